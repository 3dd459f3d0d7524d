/** The end of a simulation: final metrics, where the model is, the audit log's state. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoundMetrics } from '@fmls/coordinator';

export function printMetricsSummary(o: {
  out: string;
  last: RoundMetrics | undefined;
  audit: { ok: boolean; records: number };
  auditLog: string;
  json: boolean;
}): void {
  const m = o.last;
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ out: o.out, model: join(o.out, 'model.json'), metrics: m ?? null, audit: { path: o.auditLog, ...o.audit } })}\n`);
    return;
  }
  const rows: Array<[string, string]> = [];
  const result = readResult(o.out);
  if (result) rows.push(['stopped', result.reason]);
  if (m) {
    rows.push(['rounds', String(m.round)], ['participants (last round)', m.participants.join(', ')]);
    for (const k of ['loss', 'accuracy', 'precision', 'recall', 'auc', 'mse'] as const) {
      const v = m[k];
      if (v !== undefined) rows.push([`${k} (${m.metricsSource})`, v.toFixed(4)]);
    }
  }
  rows.push(['model', join(o.out, 'model.json')], ['metrics', join(o.out, 'metrics.jsonl')], ['audit log', `${o.auditLog} (${o.audit.records} records, ${o.audit.ok ? 'chain intact' : 'CHAIN BROKEN'})`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
}

function readResult(out: string): { reason: string } | undefined {
  const path = join(out, 'result.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { reason: string };
  } catch {
    return undefined;
  }
}
