/**
 * Canonical JSON: one byte-exact text per value, so a hash computed when a record is
 * written can be recomputed from the parsed line years later, whatever order its keys
 * were parsed in.
 */

/** A value that survives a JSON round trip unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object (not an array, not null). */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Serialises `value` with object keys sorted recursively (by UTF-16 code units) and no
 * whitespace. Values JSON cannot hold follow JSON.stringify (undefined keys are dropped),
 * so pass values through {@link toJson} first when they did not come from JSON.parse.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    if (obj[key] === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(obj[key])}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * The value as it will read back from JSON (NaN becomes null, undefined keys vanish,
 * Dates become strings). Hashing this rather than the caller's value is what keeps a
 * record verifiable after it is written.
 */
export function toJson(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

/** Whether `value` is a plain JSON object. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
