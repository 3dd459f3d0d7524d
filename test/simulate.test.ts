/**
 * `fmls simulate` end to end: the real CLI starts an auditor, a coordinator and N data
 * owners as separate processes on loopback gRPC, trains, and leaves the model, schema,
 * metrics and a verifiable audit log in --out. Needs the build (`npx tsc -b`).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectExit, killAllChildren, makeTempDir, readMetrics, removeTempDirs, runFmls, type MetricsLine } from './helpers';

/** What `simulate --json` prints on stdout. */
interface SimulateJson {
  out: string;
  model: string;
  metrics: MetricsLine;
  audit: { path: string; ok: boolean; records: number };
}

const RUN_MS = 150_000;
let base: string;

beforeAll(() => {
  base = makeTempDir('fmls-simulate-it-');
});

afterAll(async () => {
  await killAllChildren();
  removeTempDirs();
});

/** Exactly one JSON object on stdout. */
function parseStdout(stdout: string): SimulateJson {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]) as SimulateJson;
}

describe('fmls simulate --dataset breast-cancer (logistic regression, 3 data owners, iid)', () => {
  let out: string;
  let result: SimulateJson;
  let stderr: string;

  beforeAll(async () => {
    out = join(base, 'bc');
    const run = await runFmls(['simulate', '--dataset', 'breast-cancer', '--clients', '3', '--rounds', '20', '--out', out, '--json'], { timeoutMs: RUN_MS });
    expectExit(run, 0);
    result = parseStdout(run.stdout);
    stderr = run.stderr;
  }, RUN_MS + 10_000);

  it('reaches test accuracy >= 0.95 and prints the final metrics and where the model is as JSON', () => {
    expect(result.out).toBe(out);
    expect(result.model).toBe(join(out, 'model.json'));
    const m = result.metrics;
    expect(m).toMatchObject({ round: 20, metricsSource: 'test', rejected: [] });
    expect(m.accuracy).toBeGreaterThanOrEqual(0.95);
    for (const k of ['loss', 'precision', 'recall', 'auc'] as const) expect(Number.isFinite(m[k])).toBe(true);
    for (const k of ['accuracy', 'precision', 'recall', 'auc'] as const) {
      expect(m[k]).toBeGreaterThanOrEqual(0);
      expect(m[k]).toBeLessThanOrEqual(1);
    }
    expect([...m.participants].sort()).toEqual(['client-1', 'client-2', 'client-3']);
    expect(result.audit).toMatchObject({ path: join(out, 'audit.jsonl'), ok: true });
    expect(result.audit.records).toBeGreaterThan(20);
  });

  it('shows progress with round, loss and accuracy on stderr', () => {
    expect(stderr).toMatch(/3 data owners/);
    for (const round of [1, 10, 20]) expect(stderr).toMatch(new RegExp(`^round ${round}/20 .*loss \\d\\.\\d{4} .*accuracy \\d\\.\\d{4}`, 'm'));
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('writes the model in TensorFlow.js LayersModel format: model.json + weights.bin', () => {
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as {
      format: string;
      modelTopology: unknown;
      weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
    };
    expect(model.format).toBe('layers-model');
    expect(model.modelTopology).toBeDefined();
    expect(model.weightsManifest).toHaveLength(1);
    expect(model.weightsManifest[0].paths).toEqual(['weights.bin']);
    const weights = model.weightsManifest[0].weights;
    expect(weights.map((w) => w.shape)).toEqual([[30, 2], [2]]); // logistic regression: 30 features, 2 classes
    const values = weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    expect(statSync(join(out, 'weights.bin')).size).toBe(values * 4); // float32
  });

  it('writes schema.json with 30 features, the label, the classes and the normalisation', () => {
    const schema = JSON.parse(readFileSync(join(out, 'schema.json'), 'utf8')) as { features: string[]; label: string; classes: string[]; mean: number[]; std: number[] };
    expect(schema.features).toHaveLength(30);
    expect(schema.features).toContain('mean_radius');
    expect(schema.label).toBe('diagnosis');
    expect(schema.classes).toEqual(['benign', 'malignant']);
    expect(schema.mean).toHaveLength(30);
    expect(schema.std).toHaveLength(30);
    for (const s of schema.std) expect(s).toBeGreaterThan(0);
  });

  it('writes metrics.jsonl: one line per round, rounds increasing, with participants, loss, accuracy and durations', () => {
    const lines = readMetrics(join(out, 'metrics.jsonl'));
    expect(lines).toHaveLength(20);
    expect(lines.map((l) => l.round)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const l of lines) {
      expect(l.participants).toHaveLength(3);
      expect(Number.isFinite(l.loss)).toBe(true);
      expect(l.accuracy).toBeGreaterThan(0.5);
      expect(l.durations).toEqual({ roundS: expect.any(Number), aggregateS: expect.any(Number), evalS: expect.any(Number) });
    }
    // The JSON summary is the last line.
    expect(lines[19]).toEqual(result.metrics);
  });

  it('leaves an audit log that `fmls audit verify` accepts and that credits each data owner every round', async () => {
    const verify = await runFmls(['audit', 'verify', join(out, 'audit.jsonl')]);
    expectExit(verify, 0);
    expect(verify.stdout).toMatch(new RegExp(`^ok: ${result.audit.records} records, chain intact`));

    const report = await runFmls(['audit', 'report', join(out, 'audit.jsonl'), '--json']);
    expectExit(report, 0);
    const rows = JSON.parse(report.stdout) as Array<{ node: string; acceptedUpdates: number; rejectedUpdates: number; heartbeatLosses: number }>;
    expect(rows.map((r) => r.node)).toEqual(['client-1', 'client-2', 'client-3']);
    for (const r of rows) expect(r).toMatchObject({ acceptedUpdates: 20, rejectedUpdates: 0, heartbeatLosses: 0 });
  }, 30_000);

  it('leaves the task, the shares and one log per process in the run directory', () => {
    for (const f of ['task.json', 'data/test.csv', 'data/client-1.csv', 'data/client-2.csv', 'data/client-3.csv', 'logs/auditor.log', 'logs/coordinator.log', 'logs/client-1.log']) {
      expect(existsSync(join(out, f))).toBe(true);
    }
  });
});

describe('fmls simulate without --json', () => {
  it('with --partition dirichlet:0.5 prints a final summary: metrics, model path, metrics path and audit log', async () => {
    const out = join(base, 'bc-skew');
    const run = await runFmls(['simulate', '--dataset', 'breast-cancer', '--clients', '2', '--rounds', '3', '--partition', 'dirichlet:0.5', '--out', out], { timeoutMs: RUN_MS });
    expectExit(run, 0);
    expect(run.stdout).toMatch(/^rounds\s+3$/m);
    expect(run.stdout).toMatch(/^accuracy \(test\)\s+\d\.\d{4}$/m);
    expect(run.stdout).toMatch(/^loss \(test\)\s+\d\.\d{4}$/m);
    expect(run.stdout).toContain(join(out, 'model.json'));
    expect(run.stdout).toContain(join(out, 'metrics.jsonl'));
    expect(run.stdout).toMatch(/audit log .*chain intact/);
    expect(run.stderr).toMatch(/^round 3\/3 /m);
    // Label skew: the two shares differ in size (iid would split 455 rows 228/227).
    const shares = /2 data owners \((\d+)\/(\d+) rows\)/.exec(run.stderr);
    expect(shares).not.toBeNull();
    expect(Number(shares?.[1]) + Number(shares?.[2])).toBe(455);
    expect(Math.abs(Number(shares?.[1]) - Number(shares?.[2]))).toBeGreaterThan(1);
    expect(readMetrics(join(out, 'metrics.jsonl'))).toHaveLength(3);
  }, RUN_MS + 10_000);
});

describe('fmls simulate --dataset digits --partition dirichlet:0.5 --model mlp (4 data owners)', () => {
  it('runs to completion with test accuracy > 0.8', async () => {
    const out = join(base, 'digits');
    const run = await runFmls(
      ['simulate', '--dataset', 'digits', '--clients', '4', '--partition', 'dirichlet:0.5', '--model', 'mlp', '--rounds', '15', '--out', out, '--json'],
      { timeoutMs: RUN_MS },
    );
    expectExit(run, 0);
    const result = parseStdout(run.stdout);
    expect(result.metrics.round).toBe(15);
    expect(result.metrics.accuracy).toBeGreaterThan(0.8);
    expect(result.metrics.participants).toHaveLength(4);
    expect(result.audit.ok).toBe(true);
    const schema = JSON.parse(readFileSync(join(out, 'schema.json'), 'utf8')) as { features: string[]; classes: string[] };
    expect(schema.features).toHaveLength(64);
    expect([...schema.classes].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { format: string; weightsManifest: Array<{ weights: Array<{ shape: number[] }> }> };
    expect(model.format).toBe('layers-model');
    expect(model.weightsManifest[0].weights.map((w) => w.shape)).toEqual([[64, 64], [64], [64, 10], [10]]); // mlp, hidden [64]
    expect(readMetrics(join(out, 'metrics.jsonl'))).toHaveLength(15);
    process.stderr.write(`digits simulate: ${(run.ms / 1000).toFixed(1)} s\n`);
  }, RUN_MS + 10_000);
});

describe('fmls simulate on a regression CSV, then fmls evaluate', () => {
  it('learns a linear target (output starts at the federated target mean) and evaluate reports MSE', async () => {
    // y = 3a - 2b + 10 + noise: a model starting at bias 0 would need many rounds just to reach the mean.
    const csv = join(base, 'reg.csv');
    let seed = 7;
    const rand = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const rows = Array.from({ length: 400 }, () => {
      const a = rand();
      const b = rand();
      return `${a.toFixed(4)},${b.toFixed(4)},${(3 * a - 2 * b + 10 + rand() * 0.1).toFixed(4)}`;
    });
    writeFileSync(csv, `a,b,y\n${rows.join('\n')}\n`);
    const out = join(base, 'reg');
    const run = await runFmls(['simulate', '--dataset', csv, '--label', 'y', '--type', 'regression', '--rounds', '10', '--learning-rate', '0.1', '--out', out, '--json'], { timeoutMs: RUN_MS });
    expectExit(run, 0);
    const result = parseStdout(run.stdout);
    const first = readMetrics(join(out, 'metrics.jsonl'))[0];
    // The data owners' evaluation of version 0: a model whose bias started at 0 would be off by
    // the mean (~10) everywhere, MSE > 100; starting at the mean leaves only the random kernel's error.
    expect(first.federated.version).toBe(0);
    expect(first.federated.mse).toBeLessThan(50);
    expect(result.metrics.mse).toBeLessThan(first.mse as number);
    expect(result.metrics.mse).toBeLessThan(0.5);
    expect(result.metrics.accuracy).toBeUndefined();
    const schema = JSON.parse(readFileSync(join(out, 'schema.json'), 'utf8'));
    expect(schema).toMatchObject({ type: 'regression', label: 'y', features: ['a', 'b'], classes: [] });
    expect(schema.labelMean).toBeGreaterThan(9);
    expect(schema.labelMean).toBeLessThan(11);

    const evaluated = await runFmls(['evaluate', '--model', out, '--data', join(out, 'data', 'test.csv'), '--json'], { timeoutMs: 30_000 });
    expectExit(evaluated, 0);
    const report = JSON.parse(evaluated.stdout);
    expect(report).toMatchObject({ type: 'regression', rows: 80 });
    expect(report.metrics.mse).toBeCloseTo(result.metrics.mse as number, 4);
  }, RUN_MS + 10_000);
});
