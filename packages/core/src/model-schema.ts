/** Validation of a ModelSchema that crossed a process boundary or was read from schema.json. */
import { FmlsError, ValidationError, type FmlsErrorOptions } from './errors';
import type { ModelSchema } from './types';

const TYPES = new Set(['tabular-classification', 'image-classification', 'regression']);

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function isFiniteArray(v: unknown, length: number): v is number[] {
  return Array.isArray(v) && v.length === length && v.every((n) => typeof n === 'number' && Number.isFinite(n));
}

/**
 * Parses and checks a schema: known type, features, label, classes, and one finite mean
 * and positive std per feature. `source` names it in errors; `ErrorType` lets a file
 * reader report bad input (exit 2) where a peer's message is a validation failure.
 */
export function parseModelSchema(
  json: string,
  source: string,
  ErrorType: new (message: string, options?: FmlsErrorOptions) => FmlsError = ValidationError,
): ModelSchema {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ErrorType(`${source} is not JSON`);
  }
  const s = value as Partial<ModelSchema>;
  const n = Array.isArray(s?.features) ? s.features.length : -1;
  const ok =
    typeof s === 'object' && s !== null &&
    typeof s.type === 'string' && TYPES.has(s.type) &&
    isStringArray(s.features) && n > 0 &&
    typeof s.label === 'string' &&
    isStringArray(s.classes) &&
    isFiniteArray(s.mean, n) && isFiniteArray(s.std, n) && (s.std as number[]).every((x) => x > 0) &&
    (s.labelMean === undefined || Number.isFinite(s.labelMean)) &&
    (s.labelStd === undefined || (Number.isFinite(s.labelStd) && s.labelStd > 0));
  if (!ok) throw new ErrorType(`${source} is not a valid model schema (type, features, label, classes, mean, std)`);
  return s as ModelSchema;
}
