/**
 * Tensors on the wire: a flat float32 vector split into chunks of raw little-endian
 * bytes (never repeated floats, which cost 5 bytes a value and a slow decode), with a
 * SHA-256 digest of the whole vector checked by the receiver.
 */
import { createHash, type Hash } from 'node:crypto';
import { endianness } from 'node:os';
import { ValidationError } from '@fmls/core';

/** At most 1 MiB of payload per chunk, well under gRPC's 4 MiB default message limit. */
export const CHUNK_BYTES = 1 << 20;
const CHUNK_VALUES = CHUNK_BYTES / 4;

if (endianness() !== 'LE') {
  // Float32Array views use the host's byte order; the wire format is little-endian.
  throw new Error('fmls needs a little-endian host');
}

export interface Chunk {
  offset: number;
  data: Buffer;
}

/** Views of `vector` in chunks of at most CHUNK_BYTES; no copy. */
export function* toChunks(vector: Float32Array, chunkValues = CHUNK_VALUES): Generator<Chunk> {
  for (let offset = 0; offset < vector.length; offset += chunkValues) {
    const end = Math.min(vector.length, offset + chunkValues);
    yield { offset, data: Buffer.from(vector.buffer, vector.byteOffset + offset * 4, (end - offset) * 4) };
  }
}

/** SHA-256 of the vector's little-endian bytes. */
export function vectorDigest(vector: Float32Array): Buffer {
  return createHash('sha256').update(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength)).digest();
}

/**
 * Reassembles a vector from chunks, validating as it goes: chunks in order and in
 * range, whole float32 values, every value finite; `finish` checks length and digest.
 */
export class VectorAssembler {
  readonly vector: Float32Array;
  private filled = 0;
  private readonly hash: Hash = createHash('sha256');

  /** `into` lets the caller supply (and reuse) the destination buffer. */
  constructor(readonly length: number, into?: Float32Array) {
    if (into && into.length < length) throw new RangeError(`buffer of ${into.length} values for a vector of ${length}`);
    this.vector = into ? into.subarray(0, length) : new Float32Array(length);
  }

  get received(): number {
    return this.filled;
  }

  add(chunk: { offset: number; data: Buffer }): void {
    const { offset, data } = chunk;
    if (offset !== this.filled) {
      throw new ValidationError(`chunk at offset ${offset} arrived when offset ${this.filled} was expected`);
    }
    if (data.length === 0 || data.length % 4 !== 0) {
      throw new ValidationError(`chunk of ${data.length} bytes is not a whole number of float32 values`);
    }
    if (data.length > CHUNK_BYTES) {
      throw new ValidationError(`chunk of ${data.length} bytes exceeds the ${CHUNK_BYTES}-byte limit`);
    }
    const count = data.length / 4;
    if (offset + count > this.length) {
      throw new ValidationError(`chunk ends at ${offset + count}, past the vector length ${this.length}`);
    }
    // Copy into the destination first: the incoming buffer may be unaligned for a Float32Array view.
    const dest = new Uint8Array(this.vector.buffer, this.vector.byteOffset + offset * 4, data.length);
    dest.set(data);
    const values = this.vector.subarray(offset, offset + count);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new ValidationError(`value at index ${offset + i} is ${values[i]}; updates must be finite`);
      }
    }
    this.hash.update(data);
    this.filled += count;
  }

  /** Checks completeness and the digest; returns the vector. */
  finish(expectedDigest: Uint8Array): Float32Array {
    if (this.filled !== this.length) {
      throw new ValidationError(`received ${this.filled} of ${this.length} values`);
    }
    const digest = this.hash.digest();
    if (expectedDigest.length !== 32 || !digest.equals(Buffer.from(expectedDigest))) {
      throw new ValidationError(`SHA-256 digest mismatch (got ${digest.toString('hex').slice(0, 16)}…, header says ${Buffer.from(expectedDigest).toString('hex').slice(0, 16)}…)`);
    }
    return this.vector;
  }
}
