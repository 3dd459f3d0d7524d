/** Parsers for option values, failing with InputError that names the flag. */
import { InputError } from '@fmls/core';

export function parseIntOption(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InputError(`${flag} ${JSON.stringify(value)} must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

export function parseNumberOption(flag: string, min: number, max = Number.MAX_VALUE): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InputError(`${flag} ${JSON.stringify(value)} must be a number from ${min} to ${max}`);
    }
    return n;
  };
}

export function parseChoice<T extends string>(flag: string, choices: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InputError(`${flag} ${JSON.stringify(value)} is not one of ${choices.join(', ')}`);
    }
    return value as T;
  };
}
