/**
 * Encryption at rest (M-10.2): AES-256-GCM, so a file is both secret and tamper-evident.
 * A sealed file is "FMLSENC1", a 12-byte random nonce, the ciphertext and the 16-byte tag.
 * The file's name is bound in as associated data: model.json swapped for weights.bin (or
 * for another run's schema.json) fails to open even though each was sealed under the key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IntegrityError, InputError } from '@fmls/core';
import { STORAGE_KEY_BYTES } from './storage-key';

/** The first bytes of every sealed file. */
export const SEALED_MAGIC = Buffer.from('FMLSENC1', 'latin1');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const OVERHEAD = SEALED_MAGIC.length + NONCE_BYTES + TAG_BYTES;

/** Encrypts `plain` under `key`; `context` (bound as associated data) must be given again to open it. */
export function sealBytes(plain: Uint8Array, key: Buffer, context: string): Buffer {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([SEALED_MAGIC, nonce, body, cipher.getAuthTag()]);
}

/**
 * Decrypts what sealBytes made with the same key and context.
 *
 * @throws IntegrityError naming `what` when the bytes are not sealed, were altered, belong to another context or key.
 */
export function openSealedBytes(sealed: Uint8Array, key: Buffer, context: string, what: string): Buffer {
  checkKey(key);
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (!hasMagic(bytes)) {
    throw new IntegrityError(`${what} is not encrypted, but a storage key is in use`, {
      fix: 'it was replaced or written without --storage-key: restore it from a backup, or drop --storage-key if it was never encrypted',
    });
  }
  if (bytes.length < OVERHEAD) throw altered(what);
  const nonce = bytes.subarray(SEALED_MAGIC.length, SEALED_MAGIC.length + NONCE_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(bytes.subarray(SEALED_MAGIC.length + NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
  } catch (err) {
    throw altered(what, err);
  }
}

/** Writes `bytes` sealed to `path` atomically: a temporary file, flushed, then renamed over it. */
export function sealFile(path: string, bytes: Uint8Array, key: Buffer): void {
  const sealed = sealBytes(bytes, key, fileContext(path));
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, sealed);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new InputError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      fix: 'check that the directory is writable and has free space',
      cause: err,
    });
  }
}

/**
 * Reads and decrypts a file written by sealFile.
 *
 * @throws InputError when it cannot be read; IntegrityError naming the file when it is not sealed, was altered or renamed, or the key differs.
 */
export function openSealedFile(path: string, key: Buffer): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { fix: 'check the path and that this user may read it', cause: err });
  }
  return openSealedBytes(bytes, key, fileContext(path), path);
}

/** True when `path` starts like a sealed file; false when it does not, or cannot be read. */
export function isSealed(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(SEALED_MAGIC.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && hasMagic(head);
  } finally {
    closeSync(fd);
  }
}

/** Only the base name: a run directory may be moved or copied whole and still open. */
function fileContext(path: string): string {
  return `fmls-file:${basename(path)}`;
}

function hasMagic(bytes: Buffer): boolean {
  return bytes.length >= SEALED_MAGIC.length && bytes.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC);
}

function checkKey(key: Buffer): void {
  // A programming error, not user input: keys come from loadStorageKey.
  if (key.length !== STORAGE_KEY_BYTES) throw new RangeError(`a storage key has ${STORAGE_KEY_BYTES} bytes, not ${key.length}`);
}

function altered(what: string, cause?: unknown): IntegrityError {
  return new IntegrityError(`${what} failed its integrity check: it was altered, swapped with another file, or encrypted under another key`, {
    fix: 'restore it from a backup or rerun the task, and check --storage-key names the key it was written with',
    cause,
  });
}
