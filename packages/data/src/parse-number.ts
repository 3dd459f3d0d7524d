/**
 * Strict decimal parsing for CSV cells. Number() alone is too lenient for data files:
 * it reads "" and " " as 0 and "0x1f" as 31, which would silently corrupt features.
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:inf|infinity|nan)$/i;

/**
 * Parses a decimal number such as `3`, `-0.5`, `.25` or `1e-3`.
 * Returns `undefined` when the text is not a number at all, and a non-finite value for
 * `inf`, `-Infinity`, `NaN` (any case) or an overflowing literal such as `1e999`,
 * so callers can tell "not a number" from "not a finite number".
 */
export function parseDecimal(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  if (NON_FINITE.test(text)) {
    if (/nan/i.test(text)) return Number.NaN;
    return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return undefined;
}

/** Largest finite float32: features are stored as Float32Array, so larger values become Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;
