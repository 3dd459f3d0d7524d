import { CHUNK_BYTES, toChunks, vectorDigest, VectorAssembler } from './tensor-chunks';

function randomVector(n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(i) * 1000 + i * 1e-3;
  return v;
}

/** Copies each chunk as the wire would (gRPC hands over fresh, possibly unaligned buffers). */
function overTheWire(v: Float32Array): Array<{ offset: number; data: Buffer }> {
  return [...toChunks(v)].map((c) => {
    const copy = Buffer.alloc(c.data.length + 1).subarray(1); // deliberately unaligned
    c.data.copy(copy);
    return { offset: c.offset, data: copy };
  });
}

describe('tensor chunks', () => {
  it('round-trips a model larger than 4 MiB in chunks of at most 1 MiB', () => {
    const v = randomVector(1_500_001); // 6 MB, not a multiple of the chunk size
    const chunks = overTheWire(v);
    expect(chunks.length).toBe(Math.ceil((v.length * 4) / CHUNK_BYTES));
    expect(Math.max(...chunks.map((c) => c.data.length))).toBeLessThanOrEqual(CHUNK_BYTES);
    const a = new VectorAssembler(v.length);
    for (const c of chunks) a.add(c);
    const out = a.finish(vectorDigest(v));
    expect(out.length).toBe(v.length);
    expect(Buffer.from(out.buffer, out.byteOffset, out.byteLength).equals(Buffer.from(v.buffer))).toBe(true);
  });

  it('round-trips an empty tail and a single short chunk', () => {
    const v = Float32Array.from([1.5, -2, 3e-30]);
    const a = new VectorAssembler(3);
    for (const c of overTheWire(v)) a.add(c);
    expect(Array.from(a.finish(vectorDigest(v)))).toEqual(Array.from(v));
  });

  it('rejects a wrong digest, a short vector, reordered chunks and non-finite values', () => {
    const v = randomVector(600_000);
    const chunks = overTheWire(v);

    const tampered = new VectorAssembler(v.length);
    for (const c of chunks) tampered.add(c);
    const badDigest = Buffer.from(vectorDigest(v));
    badDigest[0] ^= 1;
    expect(() => tampered.finish(badDigest)).toThrow(/digest mismatch/);

    const short = new VectorAssembler(v.length);
    short.add(chunks[0]);
    expect(() => short.finish(vectorDigest(v))).toThrow(/received 262144 of 600000/);

    const reordered = new VectorAssembler(v.length);
    expect(() => reordered.add(chunks[1])).toThrow(/offset 262144 arrived when offset 0 was expected/);

    const withNaN = Float32Array.from(v);
    withNaN[300_000] = Number.NaN;
    const nan = new VectorAssembler(v.length);
    expect(() => {
      for (const c of overTheWire(withNaN)) nan.add(c);
    }).toThrow(/index 300000 is NaN/);

    const withInf = Float32Array.from([1, Number.POSITIVE_INFINITY]);
    expect(() => new VectorAssembler(2).add({ offset: 0, data: Buffer.from(withInf.buffer) })).toThrow(/Infinity/);
  });

  it('rejects partial floats and chunks past the end', () => {
    const a = new VectorAssembler(2);
    expect(() => a.add({ offset: 0, data: Buffer.alloc(6) })).toThrow(/whole number of float32/);
    expect(() => a.add({ offset: 0, data: Buffer.alloc(12) })).toThrow(/past the vector length 2/);
  });
});
