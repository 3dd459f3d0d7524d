/** @fmls/auditor: the auditor daemon: event intake, reliability checks, the hash-chained log. */
export * from './auditor-handler';
export * from './digest-cross-check';
export * from './start-auditor';
export * from './validate-event';
export { serveAgent, type AuditorAgent, type AuditorAgentOptions, type AuditorLink } from './agent-mode';
