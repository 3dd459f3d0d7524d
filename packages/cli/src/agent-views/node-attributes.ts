/**
 * `fmls nodes set ID key=value…`: the attributes an operator may change and their checks.
 * The agent checks them again; checking here turns a typo into exit 2 before any connection.
 */
import { InputError } from '@fmls/core';

interface KeyRule {
  integer: boolean;
  min: number;
  what: string;
}

export const NODE_KEYS: Readonly<Record<string, KeyRule>> = {
  bandwidth_mbps: { integer: false, min: 0, what: 'declared bandwidth in Mbit/s' },
  free_disk_mb: { integer: false, min: 0, what: 'free disk in MB (0 keeps tasks needing disk off the node)' },
  gpus: { integer: true, min: 0, what: 'GPUs the node offers' },
  max_tasks: { integer: true, min: 1, what: 'tasks the node serves at once' },
};

const FIX = `keys: ${Object.keys(NODE_KEYS).join(', ')}; e.g. fmls nodes set alice bandwidth_mbps=100 max_tasks=2`;

/** Parses `key=value` words into the request map; values are sent in canonical number form. */
export function parseNodeAssignments(words: readonly string[]): Record<string, string> {
  if (words.length === 0) throw new InputError('nothing to set', { fix: FIX });
  const values: Record<string, string> = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new InputError(`${JSON.stringify(word)} is not key=value`, { fix: FIX });
    const key = word.slice(0, eq).trim();
    const text = word.slice(eq + 1).trim();
    const rule = Object.hasOwn(NODE_KEYS, key) ? NODE_KEYS[key] : undefined;
    if (!rule) throw new InputError(`unknown node attribute ${JSON.stringify(key)}`, { fix: FIX });
    if (Object.hasOwn(values, key)) throw new InputError(`${key} is given twice`, { fix: 'give each key once' });
    const n = Number(text);
    const ok = text !== '' && Number.isFinite(n) && n >= rule.min && (!rule.integer || Number.isSafeInteger(n));
    if (!ok) {
      const kind = rule.integer ? 'an integer' : 'a number';
      throw new InputError(`${key}=${JSON.stringify(text)}: ${rule.what} must be ${kind} of at least ${rule.min}`, { fix: FIX });
    }
    values[key] = String(n);
  }
  return values;
}
