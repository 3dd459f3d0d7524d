/**
 * The key of encryption at rest (M-10.2): one file of 32 bytes, kept as 64 hex digits and
 * a newline so it can be copied and backed up as text (a raw 32-byte file is read too).
 * It is refused when group or others may touch it: a key anyone can read protects nothing.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '@fmls/core';

/** Bytes of an AES-256 key. */
export const STORAGE_KEY_BYTES = 32;

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const MAKE_KEY = 'openssl rand -hex 32 > FILE && chmod 600 FILE';

export interface LoadStorageKeyOptions {
  /** Create a fresh random key (mode 0600) when the file does not exist. Default false. */
  create?: boolean;
}

/**
 * Reads the key at `path`: 64 hex digits (whitespace around them allowed) or exactly 32 raw bytes.
 *
 * @throws InputError when the file is missing (and not `create`), open to group or others, or of the wrong size.
 */
export function loadStorageKey(path: string, options: LoadStorageKeyOptions = {}): Buffer {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(path, err);
    if (!options.create) {
      throw new InputError(`storage key ${path} does not exist`, { fix: 'give --storage-key the key file the data was written with', cause: err });
    }
    return createKey(path);
  }
  if (!stats.isFile()) throw new InputError(`storage key ${path} is not a file`, { fix: `name a key file (create one with: ${MAKE_KEY})` });
  // Windows has no POSIX modes; its ACLs are the operator's business.
  if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
    throw new InputError(`storage key ${path} is open to group or others (mode ${mode})`, { fix: `run: chmod 600 ${path}` });
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw unreadable(path, err);
  }
  return parseKey(path, bytes);
}

function parseKey(path: string, bytes: Buffer): Buffer {
  if (bytes.length === STORAGE_KEY_BYTES) return bytes;
  const text = bytes.toString('latin1').trim();
  if (HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  throw new InputError(`storage key ${path} must hold ${STORAGE_KEY_BYTES} raw bytes or 64 hex digits; it has ${bytes.length} bytes`, {
    fix: `create one with: ${MAKE_KEY} (or name a file that does not exist and the daemon creates it)`,
  });
}

/** Writes a new key beside `path` and links it into place, so a concurrent creator never sees half a key or has its own overwritten. */
function createKey(path: string): Buffer {
  const key = randomBytes(STORAGE_KEY_BYTES);
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, `${key.toString('hex')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(temp, path);
    return key;
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadStorageKey(path);
    throw new InputError(`cannot create storage key ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      fix: 'choose a writable location for --storage-key',
      cause: err,
    });
  } finally {
    rmSync(temp, { force: true });
  }
}

function unreadable(path: string, err: unknown): InputError {
  return new InputError(`cannot read storage key ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
    fix: 'check the path and that this user may read it',
    cause: err,
  });
}
