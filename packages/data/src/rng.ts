/**
 * A small seeded PRNG, so partitions and splits are reproducible from the task's seed
 * on every machine (Math.random cannot be seeded). sfc32: 128-bit state, passes
 * PractRand, and needs only 32-bit integer arithmetic.
 */

/** One step of splitmix32, used to spread a seed over the generator's state. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Seeded pseudo-random numbers: uniform, integer, normal, gamma, and shuffling. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed a non-negative integer (the task's seed); bits above 2^32 count too, fractions are dropped. */
  constructor(seed: number) {
    const low = seed >>> 0;
    const high = Math.floor(Math.abs(seed) / 2 ** 32) >>> 0;
    const mix = { s: low };
    this.a = splitmix32(mix);
    this.b = splitmix32(mix);
    // The high word perturbs the second half of the state, so seeds equal mod 2^32 still differ.
    mix.s ^= high;
    this.c = splitmix32(mix);
    this.d = splitmix32(mix);
    // The first outputs of sfc32 are weakly mixed; the reference implementation discards 12.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  private nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Uniform integer in [0, n).
   * @throws RangeError when n is not a positive integer.
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Standard normal (mean 0, std 1), by Box–Muller. */
  normal(): number {
    // 1 − next() is in (0, 1], so the logarithm is finite.
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /**
   * Gamma(shape, 1), by Marsaglia and Tsang (2000). For shape < 1 it draws
   * Gamma(shape + 1) and multiplies by U^(1/shape), their suggested boost.
   * May return 0 for very small shapes (the value underflows).
   * @throws RangeError when shape is not a positive finite number.
   */
  gamma(shape: number): number {
    if (!(shape > 0 && Number.isFinite(shape))) throw new RangeError(`Rng.gamma: shape must be positive, got ${shape}`);
    if (shape < 1) {
      const u = 1 - this.next();
      return this.gamma(shape + 1) * u ** (1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.next();
      if (u < 1 - 0.0331 * x ** 4) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i] as T;
      array[i] = array[j] as T;
      array[j] = tmp;
    }
    return array;
  }
}
