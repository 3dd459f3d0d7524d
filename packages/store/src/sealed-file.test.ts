import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, IntegrityError } from '@fmls/core';
import { isSealed, openSealedFile, sealFile, SEALED_MAGIC } from './sealed-file';
import { loadStorageKey } from './storage-key';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'fmls-sealed-'));

/** The thrown error, so its class and message can both be checked. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('sealed files', () => {
  const key = randomBytes(32);
  const plain = Buffer.from(JSON.stringify({ modelTopology: { layers: [1, 2, 3] }, note: 'secret' }));

  it('round-trips, leaves no plaintext or temporary file, and is recognised as sealed', () => {
    const dir = tempDir();
    const path = join(dir, 'model.json');
    sealFile(path, plain, key);
    const raw = readFileSync(path);
    expect(raw.subarray(0, 8).equals(SEALED_MAGIC)).toBe(true);
    expect(raw.length).toBe(8 + 12 + plain.length + 16);
    expect(raw.includes(Buffer.from('secret'))).toBe(false);
    expect(isSealed(path)).toBe(true);
    expect(openSealedFile(path, key).equals(plain)).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.json']);
    // A fresh nonce each time: sealing the same bytes twice gives different files.
    sealFile(path, plain, key);
    expect(readFileSync(path).equals(raw)).toBe(false);
    expect(openSealedFile(path, key).equals(plain)).toBe(true);
  });

  it('seals an empty file', () => {
    const path = join(tempDir(), 'metrics.jsonl');
    sealFile(path, Buffer.alloc(0), key);
    expect(openSealedFile(path, key).length).toBe(0);
  });

  it('refuses a file with any one byte flipped, naming the file', () => {
    const dir = tempDir();
    const path = join(dir, 'weights.bin');
    sealFile(path, plain, key);
    const good = readFileSync(path);
    // Past the magic, every byte is covered: nonce, ciphertext and tag.
    for (let i = 8; i < good.length; i++) {
      const bad = Buffer.from(good);
      bad[i] ^= 0x01;
      writeFileSync(path, bad);
      const err = thrown(() => openSealedFile(path, key));
      expect(err).toBeInstanceOf(IntegrityError);
      expect(err.message).toContain(path);
    }
    // A broken magic reads as not sealed at all, also an IntegrityError.
    const badMagic = Buffer.from(good);
    badMagic[0] ^= 0x01;
    writeFileSync(path, badMagic);
    expect(thrown(() => openSealedFile(path, key))).toBeInstanceOf(IntegrityError);
    writeFileSync(path, good.subarray(0, 20));
    expect(thrown(() => openSealedFile(path, key))).toBeInstanceOf(IntegrityError);
  });

  it('refuses files swapped for one another', () => {
    const dir = tempDir();
    sealFile(join(dir, 'model.json'), Buffer.from('{"a":1}'), key);
    sealFile(join(dir, 'schema.json'), Buffer.from('{"b":2}'), key);
    renameSync(join(dir, 'model.json'), join(dir, 'tmp'));
    renameSync(join(dir, 'schema.json'), join(dir, 'model.json'));
    renameSync(join(dir, 'tmp'), join(dir, 'schema.json'));
    expect(thrown(() => openSealedFile(join(dir, 'model.json'), key))).toBeInstanceOf(IntegrityError);
    expect(thrown(() => openSealedFile(join(dir, 'schema.json'), key))).toBeInstanceOf(IntegrityError);
  });

  it('refuses the wrong key, and a plain file where a sealed one belongs', () => {
    const dir = tempDir();
    const path = join(dir, 'result.json');
    sealFile(path, plain, key);
    const err = thrown(() => openSealedFile(path, randomBytes(32)));
    expect(err).toBeInstanceOf(IntegrityError);
    expect(err.message).toMatch(/integrity check/);
    writeFileSync(path, plain);
    expect(isSealed(path)).toBe(false);
    expect(thrown(() => openSealedFile(path, key)).message).toMatch(/not encrypted/);
    expect(isSealed(join(dir, 'missing'))).toBe(false);
    expect(thrown(() => openSealedFile(join(dir, 'missing'), key))).toBeInstanceOf(InputError);
  });
});

describe('loadStorageKey', () => {
  it('creates a 0600 hex key when asked, and reads the same key back', () => {
    const path = join(tempDir(), 'keys', 'storage.key');
    expect(thrown(() => loadStorageKey(path))).toBeInstanceOf(InputError);
    const key = loadStorageKey(path, { create: true });
    expect(key.length).toBe(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(`${key.toString('hex')}\n`);
    expect(loadStorageKey(path).equals(key)).toBe(true);
    expect(loadStorageKey(path, { create: true }).equals(key)).toBe(true);
  });

  it('reads a raw 32-byte key', () => {
    const path = join(tempDir(), 'raw.key');
    const key = randomBytes(32);
    writeFileSync(path, key, { mode: 0o600 });
    expect(loadStorageKey(path).equals(key)).toBe(true);
  });

  it('refuses a key open to group or others, with the chmod that fixes it', () => {
    const path = join(tempDir(), 'open.key');
    writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600 });
    for (const mode of [0o640, 0o604, 0o660]) {
      chmodSync(path, mode);
      const err = thrown(() => loadStorageKey(path));
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).userMessage()).toContain(`chmod 600 ${path}`);
      expect((err as InputError).userMessage()).not.toContain('\n');
    }
  });

  it('refuses a key of the wrong size', () => {
    const dir = tempDir();
    for (const [name, content] of [
      ['short', randomBytes(16)],
      ['long', randomBytes(33)],
      ['hex-short', Buffer.from(randomBytes(31).toString('hex'))],
      ['not-hex', Buffer.from('z'.repeat(64))],
      ['empty', Buffer.alloc(0)],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, content, { mode: 0o600 });
      const err = thrown(() => loadStorageKey(path));
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toMatch(/32 raw bytes or 64 hex digits/);
    }
  });
});
