/** @fmls/store: durable state. For now the append-only, hash-chained audit log. */
export * from './audit-events';
export * from './audit-log';
export * from './audit-record';
export * from './canonical-json';
export * from './contribution-report';
export * from './read-log';
export * from './verify-log';
export * from './state-db';
export * from './sealed-file';
export * from './storage-key';
