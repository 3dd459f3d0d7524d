/**
 * Bad input on the command line: one line `fmls: error: ...` on stderr, no stack trace,
 * exit code 2, quickly and before any connection is made. Runs the real CLI with the
 * default (human) log format. Where a command takes a peer's address it is pointed at a
 * tripwire listener that counts connections. Needs the build (`npx tsc -b`).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { closedPort, expectExit, killAllChildren, makeTempDir, removeTempDirs, runFmls, startTripwire, type Finished, type Tripwire } from './helpers';

/** Start-up of node and tfjs takes ~1 s; an input error must not wait on anything else. */
const QUICK_MS = 10_000;
/** The human log format a user sees (not the JSON lines the daemons use under simulate). */
const HUMAN = { env: { FMLS_LOG_FORMAT: undefined } };

let dir: string;
let tripwire: Tripwire;
let okCsv: string;
let goodTask: string;

beforeAll(async () => {
  dir = makeTempDir('fmls-cli-errors-it-');
  okCsv = join(dir, 'ok.csv');
  writeFileSync(okCsv, 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n');
  goodTask = join(dir, 'good.json');
  writeFileSync(goodTask, JSON.stringify({ model: { type: 'logistic-regression' }, data: { label: 'label' } }));
});

// A fresh tripwire per test, so each test counts only its own command's connections.
beforeEach(async () => {
  tripwire = await startTripwire();
});

afterEach(async () => {
  await killAllChildren();
  await tripwire.close();
});

afterAll(() => {
  removeTempDirs();
});

function fmls(...args: string[]): Promise<Finished> {
  return runFmls(args, { ...HUMAN, timeoutMs: 60_000 });
}

/** Exit 2, quickly, with exactly one `fmls: error:` line (the last) matching `message`, and no stack trace. */
function expectInputError(result: Finished, message: RegExp): void {
  expectExit(result, 2);
  const lines = result.stderr.trimEnd().split('\n');
  const errors = lines.filter((l) => l.startsWith('fmls: error: '));
  expect(errors).toHaveLength(1);
  expect(lines[lines.length - 1]).toBe(errors[0]);
  expect(errors[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stdout).toBe('');
  expect(result.ms).toBeLessThan(QUICK_MS);
}

describe('fmls data-owner: bad input is reported before connecting', () => {
  it('a missing CSV', async () => {
    const r = await fmls('data-owner', '--coordinator', tripwire.address, '--id', 'a', '--data', join(dir, 'missing.csv'), '--connect-timeout', '2');
    expectInputError(r, /cannot read CSV .*missing\.csv: ENOENT/);
    expect(tripwire.connections).toBe(0);
  });

  it('an unknown --label column', async () => {
    const r = await fmls('data-owner', '--coordinator', tripwire.address, '--id', 'a', '--data', okCsv, '--label', 'outcome', '--connect-timeout', '2');
    expectInputError(r, /label column "outcome" not found in .*ok\.csv/);
    expect(tripwire.connections).toBe(0);
  });

  it('a CSV with a non-numeric feature (the label given, so every other column is a feature)', async () => {
    const csv = join(dir, 'non-numeric.csv');
    writeFileSync(csv, 'a,b,label\n1,2,x\n3,foo,y\n');
    const r = await fmls('data-owner', '--coordinator', tripwire.address, '--id', 'a', '--data', csv, '--label', 'label', '--connect-timeout', '2');
    expectInputError(r, /non-numeric\.csv line 3, column b: "foo" is not a number/);
    expect(tripwire.connections).toBe(0);
  });

  it('an unknown --fault', async () => {
    const r = await fmls('data-owner', '--coordinator', tripwire.address, '--id', 'a', '--data', okCsv, '--fault', 'explode');
    expectInputError(r, /--fault "explode" is not a known fault/);
    expect(tripwire.connections).toBe(0);
  });

  it('a coordinator that cannot be reached within --connect-timeout 2 (after retries)', async () => {
    const port = await closedPort();
    const r = await fmls('data-owner', '--coordinator', `127.0.0.1:${port}`, '--id', 'a', '--data', okCsv, '--connect-timeout', '2');
    expectInputError(r, new RegExp(`cannot reach the coordinator at 127\\.0\\.0\\.1:${port} after 2s`));
    expect(r.stderr).toMatch(/waiting for the coordinator at/);
  });
});

describe('fmls simulate: bad input', () => {
  it('an unknown --dataset, before creating the run directory', async () => {
    const out = join(dir, 'sim-nonexistent');
    const r = await fmls('simulate', '--dataset', 'nonexistent', '--out', out);
    expectInputError(r, /no bundled dataset or file named nonexistent; bundled: breast-cancer, digits/);
    expect(existsSync(out)).toBe(false);
  });

  it('a CSV dataset with a non-numeric feature, before starting any process', async () => {
    const csv = join(dir, 'sim-non-numeric.csv');
    writeFileSync(csv, `a,b,label\n${Array.from({ length: 20 }, (_, i) => `${i},${i === 7 ? 'n/a' : i},${i % 2 ? 'x' : 'y'}`).join('\n')}\n`);
    const out = join(dir, 'sim-non-numeric');
    const r = await fmls('simulate', '--dataset', csv, '--label', 'label', '--clients', '2', '--out', out);
    expectInputError(r, /sim-non-numeric\.csv line 9, column b: "n\/a" is not a number/);
    expect(existsSync(join(out, 'logs'))).toBe(false);
  });

  it('a bad --partition', async () => {
    const r = await fmls('simulate', '--dataset', 'breast-cancer', '--partition', 'dirichlet:0', '--out', join(dir, 'sim-partition'));
    expectInputError(r, /partition "dirichlet:0": alpha must be a number > 0/);
  });

  it('a tensor backend that cannot load: the child daemon\'s refusal is passed on with exit 2', async () => {
    const r = await fmls('simulate', '--dataset', 'breast-cancer', '--backend', 'tensorflow', '--out', join(dir, 'sim-backend'));
    expectInputError(r, /coordinator exited \(code 2\) before listening: tensor backend tensorflow cannot be used/);
  });
});

describe('fmls coordinator: bad input is reported before listening', () => {
  it('a task file with an unknown field names the field', async () => {
    const task = join(dir, 'unknown-field.json');
    writeFileSync(task, JSON.stringify({ model: { type: 'logistic-regression' }, data: { label: 'label' }, aggregation: { rounds: 3, minClientz: 2 } }));
    const r = await fmls('coordinator', '--task', task, '--out', join(dir, 'c1'), '--listen', '127.0.0.1:0', '--auditor', tripwire.address);
    expectInputError(r, /unknown-field\.json: unknown field aggregation\.minClientz/);
    expect(r.stderr).not.toMatch(/listening/);
    expect(tripwire.connections).toBe(0);
  });

  it('a task file with a bad value names the field', async () => {
    const task = join(dir, 'bad-value.yaml');
    writeFileSync(task, 'model:\n  type: logistic-regression\ndata:\n  label: label\naggregation:\n  rounds: 0\n');
    const r = await fmls('coordinator', '--task', task, '--out', join(dir, 'c2'), '--listen', '127.0.0.1:0', '--auditor', tripwire.address);
    expectInputError(r, /bad-value\.yaml: aggregation\.rounds: /);
    expect(r.stderr).not.toMatch(/listening/);
    expect(tripwire.connections).toBe(0);
  });

  it('--listen on a port already in use', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await fmls('coordinator', '--task', goodTask, '--out', join(dir, 'c3'), '--listen', `127.0.0.1:${port}`, '--auditor', tripwire.address);
      expectInputError(r, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: port ${port} is in use`));
      expect(tripwire.connections).toBe(0);
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
  });
});

describe('fmls usage', () => {
  it('fmls --help lists the commands and exits 0', async () => {
    const r = await fmls('--help');
    expectExit(r, 0);
    for (const command of ['simulate', 'coordinator', 'data-owner', 'auditor', 'audit']) expect(r.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('fmls simulate --help shows the options and examples and exits 0', async () => {
    const r = await fmls('simulate', '--help');
    expectExit(r, 0);
    for (const option of ['--dataset', '--clients', '--rounds', '--out', '--partition', '--json']) expect(r.stdout).toContain(option);
    expect(r.stdout).toContain('fmls simulate --dataset breast-cancer --clients 3 --rounds 20 --out runs/bc');
  });

  it('an unknown option exits 2 and names the option, without a stack trace', async () => {
    for (const args of [['--bogus'], ['simulate', '--dataset', 'breast-cancer', '--bogus']]) {
      const r = await fmls(...args);
      expectExit(r, 2);
      expect(r.stderr).toMatch(/unknown option '--bogus'/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.ms).toBeLessThan(QUICK_MS);
    }
  });
});
