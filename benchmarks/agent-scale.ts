/**
 * D-6 scale check: one agent and one coordinator (separate processes) manage N
 * lightweight data owners registered with the agent (in this process, each with its own
 * gRPC channels, sharing one tensor backend), which complete a small task. Reports
 * registration time, round time and the agent's memory for N and for a small baseline
 * federation measured in the same run, as a table and as JSON.
 *
 *   npm run bench:agent-scale -- [--owners 128] [--baseline 4] [--rounds 3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createLogger } from '@fmls/core';
import { bundledDatasets, describeCsv, partitionRows, readCsv, toDataset, trainTestSplit, writeCsv } from '@fmls/data';
import { serveAgent } from '@fmls/data-owner';
import { AgentConnection, AgentLink, PROTOCOL_VERSION } from '@fmls/wire';

const FMLS = resolve(__dirname, '..', '..', 'bin', 'fmls');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Starts an fmls daemon and resolves with its bound address. */
function daemon(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [FMLS, ...args], { env: { ...process.env, FMLS_LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`fmls ${args[0]} did not start`)), 60000);
    for (const s of [child.stdout, child.stderr]) {
      if (!s) continue;
      createInterface({ input: s }).on('line', (line) => {
        try {
          const j = JSON.parse(line) as { msg?: string; address?: string };
          if (j.msg === 'listening' && j.address) {
            clearTimeout(timer);
            resolveStart({ child, address: j.address });
          }
        } catch {
          // not a log line
        }
      });
    }
    child.once('exit', (code) => reject(new Error(`fmls ${args[0]} exited with ${code}`)));
  });
}

function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

interface Result {
  owners: number;
  registrationS: number;
  registrationMsPerNode: number;
  taskS: number;
  meanRoundS: number;
  agentRssIdleMb: number;
  agentRssPeakMb: number;
  accuracy: number | null;
}

async function measure(owners: number, rounds: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'fmls-bench-agent-'));
  const silent = createLogger({ name: 'bench', level: 'warn' });
  const bundled = bundledDatasets().find((b) => b.name === 'breast-cancer');
  if (!bundled) throw new Error('breast-cancer is not bundled');
  const table = readCsv(bundled.path);
  const ds = toDataset(table, { label: bundled.label });
  const split = trainTestSplit(ds.n, 0.2, 42, ds.labels);
  const parts = partitionRows(split.train.map((i) => ds.labels[i]), owners, { kind: 'iid' }, 42);

  const agent = await daemon(['agent', '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state')]);
  const agentIdle = rssMb(agent.child.pid as number, 'VmRSS');
  const coordinator = await daemon(['coordinator', '--agent', agent.address, '--listen', '127.0.0.1:0', '--work-dir', join(dir, 'work')]);
  const stop = new AbortController();
  const links: AgentLink[] = [];
  const serving: Promise<unknown>[] = [];
  const started = performance.now();
  await Promise.all(
    parts.map(async (rows, k) => {
      const path = join(dir, `owner-${k}.csv`);
      writeCsv(path, table.columns, rows.map((r) => table.rows[split.train[r]]));
      let served: { runningTasks(): string[] } | undefined;
      const link = new AgentLink({
        agent: agent.address,
        nodeId: `owner-${k}`,
        attributes: () => ({ roles: ['data-owner'], cpus: 1, gpus: 0, backend: 'wasm', freeDiskMb: 1000, bandwidthMbps: 100, maxTasks: 1, address: '', version: 'bench' }),
        datasets: [describeCsv(path, 'breast-cancer')],
        runningTasks: () => served?.runningTasks() ?? [],
        freeDiskMb: () => 1000,
        logger: silent,
      });
      await link.register(60000);
      links.push(link);
      const owner = serveAgent({ link, datasets: new Map([['breast-cancer', path]]), backend: 'wasm', logger: silent, signal: stop.signal });
      served = owner;
      serving.push(owner.done);
    }),
  );
  const registrationS = (performance.now() - started) / 1000;

  const client = new AgentConnection(agent.address);
  const spec = {
    name: `scale-${owners}`,
    dataset: 'breast-cancer',
    model: { type: 'logistic-regression' },
    data: { label: bundled.label },
    train: { optimizer: 'adam', learningRate: 0.05, batchSize: 32 },
    aggregation: { rounds, minClients: owners, roundTimeoutS: 600, joinTimeoutS: 600 },
    requirements: { minDataOwners: owners },
  };
  const taskStart = performance.now();
  const { taskId } = await client.submitTask({ protocolVersion: PROTOCOL_VERSION, specJson: JSON.stringify(spec), source: 'benchmark' });
  let status = await client.getTaskStatus({ taskId });
  while (!['succeeded', 'failed', 'cancelled'].includes(status.state)) {
    await new Promise((r) => setTimeout(r, 500));
    status = await client.getTaskStatus({ taskId });
  }
  const taskS = (performance.now() - taskStart) / 1000;
  if (status.state !== 'succeeded') throw new Error(`task ${status.state}: ${status.reason}`);
  const metricsDir = join(dir, 'model');
  await client.fetchModel({ taskId }, metricsDir);
  const lines = readFileSync(join(metricsDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { durations: { roundS: number }; accuracy?: number });
  const agentPeak = rssMb(agent.child.pid as number, 'VmHWM');

  stop.abort();
  await Promise.allSettled(serving);
  for (const l of links) l.close();
  client.close();
  coordinator.child.kill('SIGTERM');
  agent.child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  return {
    owners,
    registrationS,
    registrationMsPerNode: (registrationS * 1000) / owners,
    taskS,
    meanRoundS: lines.reduce((s, l) => s + l.durations.roundS, 0) / lines.length,
    agentRssIdleMb: agentIdle,
    agentRssPeakMb: agentPeak,
    accuracy: lines[lines.length - 1].accuracy ?? null,
  };
}

async function main(): Promise<void> {
  const owners = arg('owners', 128);
  const baselineOwners = arg('baseline', 4);
  const rounds = arg('rounds', 3);
  const baseline = await measure(baselineOwners, rounds);
  const scaled = await measure(owners, rounds);
  const ratio = (k: keyof Result): string => ((scaled[k] as number) / (baseline[k] as number)).toFixed(2);
  const rows: Array<[string, string, string, string]> = [
    ['data owners', String(baseline.owners), String(scaled.owners), ratio('owners')],
    ['registration, s (all nodes)', baseline.registrationS.toFixed(2), scaled.registrationS.toFixed(2), ratio('registrationS')],
    ['registration, ms per node', baseline.registrationMsPerNode.toFixed(1), scaled.registrationMsPerNode.toFixed(1), ratio('registrationMsPerNode')],
    ['task wall time, s', baseline.taskS.toFixed(2), scaled.taskS.toFixed(2), ratio('taskS')],
    ['mean round time, s', baseline.meanRoundS.toFixed(2), scaled.meanRoundS.toFixed(2), ratio('meanRoundS')],
    ['agent RSS idle, MB', String(baseline.agentRssIdleMb), String(scaled.agentRssIdleMb), ratio('agentRssIdleMb')],
    ['agent RSS peak, MB', String(baseline.agentRssPeakMb), String(scaled.agentRssPeakMb), ratio('agentRssPeakMb')],
  ];
  const w = [30, 12, 12, 8];
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  process.stdout.write(`${line(['agent scale (D-6)', 'baseline', 'scaled', 'ratio'])}\n${line(['-'.repeat(30), '-'.repeat(12), '-'.repeat(12), '-'.repeat(8)])}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(`${JSON.stringify({ benchmark: 'agent-scale', rounds, baseline, scaled })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
