/**
 * The schema every party trains with, built from what the data owners declared at join:
 * feature order, the union of their classes, and normalisation merged from their
 * per-feature statistics (never from raw rows).
 */
import { InputError, isClassification, type ModelSchema, type TaskSpec } from '@fmls/core';
import { distinctClasses, mergeStats } from '@fmls/data';
import type { ClientInfo } from './client-registry';

export function buildGlobalSchema(spec: TaskSpec, clients: ClientInfo[]): ModelSchema {
  if (clients.length === 0) throw new InputError('no data owners to build the schema from');
  const merged = mergeStats(clients.map((c) => c.stats));
  const order = spec.data.features ?? merged.features;
  const index = new Map(merged.features.map((f, i) => [f, i]));
  const classification = isClassification(spec.type);
  const labels = classification ? undefined : mergeStats(clients.map((c) => (c.labelStats ? [c.labelStats] : [])));
  return {
    type: spec.type,
    features: order,
    label: spec.data.label,
    classes: classification ? distinctClasses(clients.flatMap((c) => c.classes)) : [],
    mean: order.map((f) => merged.mean[index.get(f) as number]),
    std: order.map((f) => merged.std[index.get(f) as number]),
    ...(labels && { labelMean: labels.mean[0], labelStd: labels.std[0] }),
  };
}

/** Why a joining data owner's declared features/classes do not fit, or undefined. */
export function schemaMismatch(
  expected: { features: string[]; classes?: string[] },
  offered: { features: string[]; classes: string[] },
): string | undefined {
  const have = new Set(offered.features);
  const missing = expected.features.filter((f) => !have.has(f));
  if (missing.length > 0) return `missing feature column(s) ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`;
  const want = new Set(expected.features);
  const extra = offered.features.filter((f) => !want.has(f));
  if (extra.length > 0) return `unexpected feature column(s) ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`;
  if (expected.classes && expected.classes.length > 0) {
    const known = new Set(expected.classes);
    const unknown = offered.classes.filter((c) => !known.has(c));
    if (unknown.length > 0) return `label value(s) ${unknown.slice(0, 5).join(', ')} are not among the task's classes (${expected.classes.join(', ')}); training has already started`;
  }
  return undefined;
}
