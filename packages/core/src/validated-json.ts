/** JSON that crossed a process boundary, parsed and checked against a schema before use. */
import type { z } from 'zod';
import { ValidationError } from './errors';

/**
 * Parses `json` and validates it with `schema`.
 *
 * @throws ValidationError naming `what`, and the first problem's field path.
 */
export function parseValidatedJson<T>(schema: z.ZodType<T>, json: string, what: string, fix?: string): T {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ValidationError(`${what} is not JSON`, { fix });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ValidationError(`${what} is invalid: ${issue.path.join('.') || '(top level)'}: ${issue.message}`, { fix });
  }
  return result.data;
}
