/** `fmls audit verify|report`: checking and reading an audit log offline. */
import type { Command } from 'commander';
import { IntegrityError } from '@fmls/core';
import { contributionReport, readLog, verifyLog, type ContributionRow } from '@fmls/store';
import { runAction } from '../run-action';

/** Adds `fmls audit verify FILE` and `fmls audit report FILE [--json]`. */
export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('Check and read an audit log written by `fmls auditor` (verify, report)')
    .addHelpText('after', '\nExamples:\n  $ fmls audit verify runs/audit.jsonl\n  $ fmls audit report runs/audit.jsonl --json');

  audit
    .command('verify')
    .description('Verify the hash chain: exit 0 if intact, 1 listing each edited, dropped, reordered or malformed record')
    .argument('<file>', 'audit log (JSON lines)')
    .addHelpText(
      'after',
      `
Records cut off the end of the log cannot be seen from the file alone: keep the printed
head hash elsewhere and compare it on the next verify.

Example:
  $ fmls audit verify runs/audit.jsonl
  ok: 42 records, chain intact (head 3f9a0c1d2e4b)`,
    )
    .action(
      runAction(async (file: string) => {
        const result = verifyLog(file);
        if (result.ok) {
          process.stdout.write(`ok: ${result.records} records, chain intact (head ${result.head.hash.slice(0, 12)})\n`);
          return 0;
        }
        for (const p of result.problems) process.stdout.write(`record ${p.position}: ${p.kind} — ${p.detail}\n`);
        process.stdout.write(`FAILED: ${result.problems.length} problem(s) in ${file}; the log has been altered or damaged\n`);
        return 1;
      }),
    );

  audit
    .command('report')
    .description("Per-node contributions and reliability: samples, rounds, accepted and rejected updates, heartbeat losses, share")
    .argument('<file>', 'audit log (JSON lines)')
    .option('--json', 'print the rows as JSON instead of a table')
    .addHelpText(
      'after',
      `
The log is verified first; a report from an altered log is refused (exit 1).
share: the node's part of all accepted updates, each weighted by its sample count.

Example:
  $ fmls audit report runs/audit.jsonl
  node   samples  rounds  accepted  rejected  hb lost  joins  leaves  anomalies  share
  alice      300      20        20         0        0      1       1          0  75.0%
  bob        100      19        19         1        2      1       1          0  25.0%`,
    )
    .action(
      runAction(async (file: string, flags: { json?: boolean }) => {
        const check = verifyLog(file);
        if (!check.ok) {
          const first = check.problems[0];
          throw new IntegrityError(`${file} fails verification at record ${first.position} (${first.kind}); its contributions cannot be trusted`, {
            fix: `run \`fmls audit verify ${file}\` to list every problem`,
          });
        }
        const rows = contributionReport(readLog(file));
        if (flags.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        else process.stdout.write(rows.length > 0 ? formatTable(rows) : `no data-owner events in ${file}\n`);
        return 0;
      }),
    );
}

const COLUMNS: ReadonlyArray<[header: string, cell: (r: ContributionRow) => string]> = [
  // Node names come from peers: keep their control characters off the terminal.
  ['node', (r) => r.node.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')],
  ['samples', (r) => String(r.samples)],
  ['rounds', (r) => String(r.roundsParticipated)],
  ['accepted', (r) => String(r.acceptedUpdates)],
  ['rejected', (r) => String(r.rejectedUpdates)],
  ['hb lost', (r) => String(r.heartbeatLosses)],
  ['joins', (r) => String(r.joins)],
  ['leaves', (r) => String(r.leaves)],
  ['anomalies', (r) => String(r.anomalies)],
  ['share', (r) => `${(r.contributionShare * 100).toFixed(1)}%`],
];

/** Rows as aligned columns: the node left-aligned, numbers right-aligned. */
function formatTable(rows: readonly ContributionRow[]): string {
  const cells = [COLUMNS.map(([h]) => h), ...rows.map((r) => COLUMNS.map(([, cell]) => cell(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells
    .map((line) => line.map((text, i) => (i === 0 ? text.padEnd(widths[i]) : text.padStart(widths[i]))).join('  ').trimEnd())
    .join('\n')
    .concat('\n');
}
