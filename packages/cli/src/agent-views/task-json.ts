/**
 * The one conversion from the agent's TaskStatus message to what `fmls task list|status|wait
 * --json` print: times as ISO 8601, embedded JSON parsed, empty strings as null. The agent
 * is another process, so its embedded JSON is checked, not trusted.
 */
import type { TaskDetails } from '@fmls/core';
import type { TaskStatus } from '@fmls/wire';

export const FINAL_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/** A round's metrics line as the agent relays it; numbers are read with metricValue. */
export type TaskMetrics = Record<string, unknown>;

export interface TaskStatusJson {
  id: string;
  name: string;
  state: string;
  priority: string;
  type: string;
  dataset: string;
  submittedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  round: number;
  rounds: number;
  /** {} before the first round; null when the agent sent something that is not a JSON object. */
  metrics: TaskMetrics | null;
  participants: string[] | null;
  waitingFor: string | null;
  reason: string | null;
  /** Only with --details; null when the agent sent none or something unreadable. */
  details?: TaskDetails | null;
}

/** 0 means "not reached yet" in the contract. */
export function isoTime(ms: number | string): string | null {
  const n = Number(ms);
  if (!Number.isFinite(n) || n <= 0) return null;
  const date = new Date(n);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function parseObject(text: string): Record<string, unknown> | null {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Arrays the views iterate over must be arrays, whatever the agent sent. */
function parseDetails(text: string): TaskDetails | null {
  const value = parseObject(text);
  if (value === null || Object.keys(value).length === 0) return null;
  for (const key of ['communication', 'contributions', 'history'] as const) {
    if (!Array.isArray(value[key])) return null;
  }
  return value as unknown as TaskDetails;
}

function nullIfEmpty(text: string): string | null {
  return text === '' ? null : text;
}

export function taskStatusJson(status: TaskStatus, withDetails = false): TaskStatusJson {
  const json: TaskStatusJson = {
    id: status.id,
    name: status.name,
    state: status.state,
    priority: status.priority,
    type: status.type,
    dataset: status.dataset,
    submittedAt: isoTime(status.submittedAtMs),
    startedAt: isoTime(status.startedAtMs),
    finishedAt: isoTime(status.finishedAtMs),
    round: status.round,
    rounds: status.rounds,
    metrics: parseObject(status.metricsJson),
    participants: status.participants.length > 0 ? [...status.participants] : null,
    waitingFor: nullIfEmpty(status.waitingFor),
    reason: nullIfEmpty(status.reason),
  };
  if (withDetails) json.details = parseDetails(status.detailsJson);
  return json;
}

/** A metric as a number, or undefined when absent or not numeric. */
export function metricValue(metrics: TaskMetrics | null, key: string): number | undefined {
  const v = metrics?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
