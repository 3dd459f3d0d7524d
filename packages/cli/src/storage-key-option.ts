/**
 * `--storage-key FILE`: encryption at rest (M-10.2), defined once for `fmls coordinator`,
 * `fmls agent`, `fmls evaluate` and `fmls simulate`. The file holds 32 bytes as 64 hex
 * digits (a raw 32-byte file is read too); the daemons create it, mode 0600, if absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option } from 'commander';
import { InputError, type Logger } from '@fmls/core';
import { isSealed, loadStorageKey, openSealedFile } from '@fmls/store';

/** The flag as commander hands it over. */
export interface StorageKeyFlags {
  storageKey?: string;
}

/** `create`: a daemon writing new data may make the key; a reader (evaluate) must be given the one used. */
export function storageKeyOption(create: boolean): Option {
  const what = create
    ? 'encrypt the models, metrics and metadata this daemon stores (AES-256-GCM) with the key in FILE: 64 hex digits, created with mode 0600 if absent'
    : 'key FILE the model directory was encrypted with (the daemon\'s --storage-key)';
  return new Option('--storage-key <file>', what);
}

/**
 * The key named by --storage-key, or undefined without the flag.
 *
 * @throws InputError (exit 2) for a missing key (unless `create`), one open to group or others, or of the wrong size.
 */
export function loadStorageKeyFlag(flags: StorageKeyFlags, create: boolean, logger?: Logger): Buffer | undefined {
  if (flags.storageKey === undefined) return undefined;
  const path = resolve(flags.storageKey);
  const existed = existsSync(path);
  const key = loadStorageKey(path, { create });
  // Losing a fresh key loses the data: say where it is once, when it is made.
  if (!existed) logger?.warn({ storageKey: path }, 'created a new storage key; back it up, nothing stored under it can be read without it');
  return key;
}

/**
 * Reads a file a daemon stored: opened with `key` (IntegrityError naming the file when it
 * was altered or is not sealed), or as it is without one. A sealed file read without a key
 * is an InputError that asks for --storage-key; other read errors are Node's own.
 */
export function storedFileReader(key: Buffer | undefined): (path: string) => Buffer {
  return (path) => {
    if (key) return openSealedFile(path, key);
    if (isSealed(path)) throw new InputError(`${path} is encrypted`, { fix: 'give --storage-key FILE, the key it was written with' });
    return readFileSync(path);
  };
}
