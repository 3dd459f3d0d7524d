/**
 * Opaque payloads on the wire (encrypted updates and models): the same chunk messages as
 * float32 tensors, but offsets count bytes and no value check applies; order, range,
 * length and the SHA-256 of the whole payload are still checked.
 */
import { createHash, type Hash } from 'node:crypto';
import { ValidationError } from '@fmls/core';
import { CHUNK_BYTES, type Chunk } from './tensor-chunks';

/** Views of `bytes` in chunks of at most CHUNK_BYTES; no copy. */
export function* toByteChunks(bytes: Uint8Array): Generator<Chunk> {
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
    yield { offset, data: Buffer.from(bytes.buffer, bytes.byteOffset + offset, Math.min(CHUNK_BYTES, bytes.length - offset)) };
  }
}

export function bytesDigest(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

export class ByteAssembler {
  readonly bytes: Buffer;
  private filled = 0;
  private readonly hash: Hash = createHash('sha256');

  constructor(readonly length: number, maxBytes = 2 ** 32) {
    if (!Number.isSafeInteger(length) || length < 1 || length > maxBytes) throw new ValidationError(`payload of ${length} bytes is out of range`);
    this.bytes = Buffer.allocUnsafe(length);
  }

  add(chunk: { offset: number; data: Buffer }): void {
    const { offset, data } = chunk;
    if (offset !== this.filled) throw new ValidationError(`chunk at byte ${offset} arrived when byte ${this.filled} was expected`);
    if (data.length === 0 || data.length > CHUNK_BYTES) throw new ValidationError(`chunk of ${data.length} bytes is out of range`);
    if (offset + data.length > this.length) throw new ValidationError(`chunk ends at byte ${offset + data.length}, past the payload length ${this.length}`);
    this.bytes.set(data, offset);
    this.hash.update(data);
    this.filled += data.length;
  }

  finish(expectedDigest: Uint8Array): Buffer {
    if (this.filled !== this.length) throw new ValidationError(`received ${this.filled} of ${this.length} bytes`);
    if (expectedDigest.length !== 32 || !this.hash.digest().equals(Buffer.from(expectedDigest))) throw new ValidationError('SHA-256 digest mismatch');
    return this.bytes;
  }
}
