/**
 * Ciphertexts on the wire: one byte blob, each SEAL ciphertext prefixed by its uint32
 * little-endian length, so an encrypted vector streams in ordinary chunks with one digest.
 */
import { ValidationError } from '@fmls/core';

/** Largest serialised ciphertext we accept (N = 16384 with six moduli is about 1.6 MB). */
const MAX_CIPHERTEXT_BYTES = 8 << 20;

export function joinCiphertexts(ciphertexts: Uint8Array[]): Buffer {
  const total = ciphertexts.reduce((s, c) => s + 4 + c.length, 0);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const c of ciphertexts) {
    out.writeUInt32LE(c.length, at);
    out.set(c, at + 4);
    at += 4 + c.length;
  }
  return out;
}

/** Splits a blob; refuses a count other than `expected`, or a length that runs past the end. */
export function splitCiphertexts(blob: Uint8Array, expected: number): Uint8Array[] {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 0; at < buf.length; ) {
    if (at + 4 > buf.length) throw new ValidationError('ciphertext blob ends inside a length prefix');
    const n = buf.readUInt32LE(at);
    if (n === 0 || n > MAX_CIPHERTEXT_BYTES || at + 4 + n > buf.length) throw new ValidationError(`ciphertext ${out.length} has a bad length ${n}`);
    out.push(buf.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  if (out.length !== expected) throw new ValidationError(`${out.length} ciphertexts where the model needs ${expected}`);
  return out;
}
