/** Human views of tasks: the `task list` table, the `task status` page and its --details tables. */
import type { NodeCommunication, NodeContribution, TaskDetails, TaskHistoryEntry } from '@fmls/core';
import { metricValue, type TaskStatusJson } from './task-json';
import { formatPairs, formatTable, orDash, shortTime, type Column } from './table';

export const METRIC_KEYS = ['loss', 'accuracy', 'precision', 'recall', 'auc', 'mse'] as const;

export function roundText(t: Pick<TaskStatusJson, 'round' | 'rounds'>): string {
  return `${t.round}/${t.rounds}`;
}

const LIST_COLUMNS: ReadonlyArray<Column<TaskStatusJson>> = [
  { header: 'ID', cell: (t) => t.id },
  { header: 'NAME', cell: (t) => orDash(t.name) },
  { header: 'STATE', cell: (t) => t.state },
  { header: 'PRIORITY', cell: (t) => orDash(t.priority) },
  { header: 'DATASET', cell: (t) => orDash(t.dataset) },
  { header: 'ROUND', cell: roundText, right: true },
  { header: 'SUBMITTED', cell: (t) => shortTime(t.submittedAt) },
];

export function formatTaskList(tasks: readonly TaskStatusJson[]): string {
  return tasks.length === 0 ? 'no tasks (submit one with fmls task submit TASK_FILE)\n' : formatTable(LIST_COLUMNS, tasks);
}

/** `loss 0.1234  accuracy 0.9500`: the metrics a round reported, in a fixed order. */
export function metricsText(t: Pick<TaskStatusJson, 'metrics'>): string {
  const parts = METRIC_KEYS.flatMap((k) => {
    const v = metricValue(t.metrics, k);
    return v === undefined ? [] : [`${k} ${v.toFixed(4)}`];
  });
  return parts.join('  ');
}

export function formatTaskStatus(t: TaskStatusJson): string {
  const pairs: Array<[string, string]> = [
    ['task', t.name ? `${t.id} (${t.name})` : t.id],
    ['state', t.state],
    ['priority', orDash(t.priority)],
    ['type', orDash(t.type)],
    ['dataset', orDash(t.dataset)],
    ['submitted', shortTime(t.submittedAt)],
    ['started', shortTime(t.startedAt)],
    ['finished', shortTime(t.finishedAt)],
    ['round', roundText(t)],
  ];
  const source = typeof t.metrics?.metricsSource === 'string' ? ` (${t.metrics.metricsSource})` : '';
  for (const k of METRIC_KEYS) {
    const v = metricValue(t.metrics, k);
    if (v !== undefined) pairs.push([`${k}${source}`, v.toFixed(4)]);
  }
  if (t.metrics === null) pairs.push(['metrics', 'unreadable (the agent sent invalid JSON)']);
  pairs.push(['participants', t.participants ? t.participants.join(', ') : '-']);
  if (t.waitingFor) pairs.push(['waiting for', t.waitingFor]);
  if (t.reason) pairs.push(['reason', t.reason]);
  return formatPairs(pairs);
}

/** Numbers from the agent's JSON, shown as `-` when missing or not numeric. */
function num(v: unknown, digits = 0): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-';
}

export function formatBytes(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '-';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = v;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const COMMUNICATION: ReadonlyArray<Column<NodeCommunication>> = [
  { header: 'NODE', cell: (c) => String(c.nodeId) },
  { header: 'ROUNDS', cell: (c) => num(c.rounds), right: true },
  { header: 'MEAN S', cell: (c) => num(c.meanS, 3), right: true },
  { header: 'VARIANCE S²', cell: (c) => num(c.varianceS2, 4), right: true },
  { header: 'SENT', cell: (c) => formatBytes(c.bytesSent), right: true },
  { header: 'RECEIVED', cell: (c) => formatBytes(c.bytesReceived), right: true },
  { header: 'TRAIN S', cell: (c) => num(c.trainSeconds, 1), right: true },
];

const CONTRIBUTIONS: ReadonlyArray<Column<NodeContribution>> = [
  { header: 'NODE', cell: (c) => String(c.nodeId) },
  { header: 'ROUNDS', cell: (c) => num(c.rounds), right: true },
  { header: 'SAMPLES', cell: (c) => num(c.samples), right: true },
  { header: 'WEIGHT SHARE', cell: (c) => (typeof c.weightShare === 'number' ? `${(c.weightShare * 100).toFixed(1)}%` : '-'), right: true },
  { header: 'SCORE', cell: (c) => num(c.score, 3), right: true },
];

const HISTORY: ReadonlyArray<Column<TaskHistoryEntry>> = [
  { header: 'TIME', cell: (h) => shortTime(typeof h.time === 'string' ? h.time : null) },
  { header: 'EVENT', cell: (h) => String(h.event) },
  { header: 'DETAIL', cell: (h) => orDash(typeof h.detail === 'string' ? h.detail : '') },
];

function section<R>(title: string, columns: ReadonlyArray<Column<R>>, rows: readonly R[]): string {
  return `\n${title}\n${rows.length > 0 ? formatTable(columns, rows) : '(none yet)\n'}`;
}

export function formatTaskDetails(d: TaskDetails | null | undefined): string {
  if (!d) return '\ndetails: none (the agent sent no readable details)\n';
  const summary = `\nrounds ${num(d.rounds)}, duration ${d.durationS === null ? '-' : `${num(d.durationS, 1)} s`}, model bytes moved ${formatBytes(d.bytesMoved)}\n`;
  return (
    summary +
    section('communication (per round: download + upload)', COMMUNICATION, d.communication) +
    section('contributions', CONTRIBUTIONS, d.contributions) +
    section('history', HISTORY, d.history)
  );
}
