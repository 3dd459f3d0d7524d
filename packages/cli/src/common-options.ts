/** Options several commands share, defined once. */
import { Option } from 'commander';
import type { BackendPreference } from '@fmls/core';
import { parseChoice } from './parse-options';

export const BACKENDS: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export function backendOption(): Option {
  return new Option('--backend <name>', 'tensor backend: auto picks native TensorFlow (GPU, then CPU) when installed, else wasm, else cpu; it logs its choice')
    .default('auto')
    .argParser(parseChoice('--backend', BACKENDS));
}

/** Calls `handler` on the first SIGINT or SIGTERM with the signal's name; a second one exits at once. */
export function onStopSignal(handler: (signal: string) => void): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(130); // a second Ctrl-C means now
    stopping = true;
    handler(signal);
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
