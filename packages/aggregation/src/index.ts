export * from './weighted-mean';
export * from './sync-strategy';
