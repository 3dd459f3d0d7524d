/**
 * The auditor end to end: the real `fmls auditor` daemon as a child process, events
 * over real gRPC, a clean SIGTERM stop, then `fmls audit verify|report` on the log it
 * wrote, before and after tampering. Needs the build (`npx tsc -b`; `npm test` builds).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditorConnection, GrpcStatus, type AuditEventInput } from '@fmls/wire';
import { exited, killAllChildren, parseJson, runFmls, spawnFmls as fmls, WAIT_MS, type Finished } from './helpers';

let dir: string;
let logPath: string;
let daemon: ChildProcess | undefined;
let daemonStderr = '';
let address = '';
let conn: AuditorConnection | undefined;

/** Runs one `fmls` command to completion (bounded by a timeout). */
function run(...args: string[]): Promise<Finished> {
  return runFmls(args);
}

/** Starts the daemon and resolves with the address from its JSON 'listening' line. */
function startDaemon(): Promise<string> {
  const child = fmls(['auditor', '--listen', '127.0.0.1:0', '--log', logPath]);
  daemon = child;
  daemonStderr = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'listening' line within ${WAIT_MS} ms:\n${daemonStderr}`)), WAIT_MS);
    child.stderr?.on('data', (d: Buffer) => {
      daemonStderr += d.toString();
      for (const line of daemonStderr.split('\n')) {
        const entry = parseJson(line);
        if (entry?.msg === 'listening' && typeof entry.address === 'string') {
          clearTimeout(timer);
          resolvePromise(entry.address);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fmls auditor exited with ${code} before listening:\n${daemonStderr}`));
    });
  });
}

function event(eventId: string, type: string, node: string, round: number, details: object, source = 'coordinator'): AuditEventInput {
  return { eventId, type, source, node, taskId: 'task-1', round, detailsJson: JSON.stringify(details), timeMs: Date.now() };
}

function logLines(): Array<Record<string, unknown>> {
  return readFileSync(logPath, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fmls-auditor-it-'));
  logPath = join(dir, 'audit.jsonl');
});

afterAll(async () => {
  conn?.close();
  await killAllChildren();
  rmSync(dir, { recursive: true, force: true });
});

describe('fmls auditor (daemon) and fmls audit', () => {
  it('records events sent over gRPC, each eventId once, and refuses a malformed one', async () => {
    address = await startDaemon();
    expect(address).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    conn = new AuditorConnection(address);
    const events = [
      event('t-start', 'task-started', '', 0, { taskId: 'task-1', spec: { model: 'lr' }, minClients: 2 }),
      event('j-alice', 'node-joined', 'alice', 0, { samples: 300, classes: 2, backend: 'cpu' }),
      event('j-bob', 'node-joined', 'bob', 0, { samples: 100, classes: 2, backend: 'cpu' }),
      event('s-alice-1', 'update-sent', 'alice', 1, { digest: 'a1', samples: 300, modelVersion: 0 }, 'data-owner:alice'),
      event('a-alice-1', 'update-accepted', 'alice', 1, { digest: 'a1', samples: 300, modelVersion: 0, uploadId: 'u1' }),
      event('s-bob-1', 'update-sent', 'bob', 1, { digest: 'b1', samples: 100, modelVersion: 0 }, 'data-owner:bob'),
      event('a-bob-1', 'update-accepted', 'bob', 1, { digest: 'tampered', samples: 100, modelVersion: 0, uploadId: 'u2' }),
      event('r-1', 'round-closed', '', 1, { version: 1, participants: ['alice', 'bob'], metrics: { accuracy: 0.9 } }),
    ];
    for (const e of events) await expect(conn.record(e, WAIT_MS)).resolves.toMatchObject({ ok: true });
    await expect(conn.record(events[1], WAIT_MS)).resolves.toEqual({ ok: true, message: 'duplicate: already recorded' });
    await expect(conn.record({ ...events[1], eventId: 'bad-json', detailsJson: '{not json' }, WAIT_MS)).rejects.toMatchObject({
      code: GrpcStatus.INVALID_ARGUMENT,
    });
    await expect(conn.record({ ...events[1], eventId: 'bad-type', type: 'node-hacked' }, WAIT_MS)).rejects.toMatchObject({
      code: GrpcStatus.INVALID_ARGUMENT,
    });
  });

  it('stops on SIGTERM with exit 0, having written each event once plus its own records', async () => {
    const child = daemon as ChildProcess;
    child.kill('SIGTERM');
    await expect(exited(child)).resolves.toBe(0);
    const lines = logLines();
    expect(lines.map((l) => l.type)).toEqual([
      'auditor-started', 'task-started', 'node-joined', 'node-joined', 'update-sent', 'update-accepted',
      'update-sent', 'update-accepted', 'anomaly', 'round-closed',
    ]);
    expect(lines.filter((l) => l.eventId === 'j-alice')).toHaveLength(1);
    expect(lines[8]).toMatchObject({ node: 'bob', round: 1, details: { reason: 'digest-mismatch', sentDigest: 'b1', acceptedDigest: 'tampered' } });
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('fmls audit verify passes the intact log', async () => {
    const result = await run('audit', 'verify', logPath);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok: 10 records, chain intact \(head [0-9a-f]{12}\)\n$/);
  });

  it('fmls audit report prints each node as a table or JSON', async () => {
    const table = await run('audit', 'report', logPath);
    expect(table.code).toBe(0);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^node\s+samples\s+rounds\s+accepted\s+rejected\s+hb lost\s+joins\s+leaves\s+anomalies\s+share$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/))).toEqual([
      ['alice', '300', '1', '1', '0', '0', '1', '0', '0', '75.0%'],
      ['bob', '100', '1', '1', '0', '0', '1', '0', '1', '25.0%'],
    ]);
    expect(new Set(rows.map((r) => r.length)).size).toBe(1); // aligned columns

    const json = await run('audit', 'report', logPath, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ node: 'alice', samples: 300, acceptedUpdates: 1, contributionShare: 0.75 }),
      expect.objectContaining({ node: 'bob', samples: 100, anomalies: 1, contributionShare: 0.25 }),
    ]);
  });

  it('fmls audit verify finds a tampered record and names its position', async () => {
    const lines = readFileSync(logPath, 'utf8').split('\n');
    lines[3] = lines[3].replace('"samples":100', '"samples":100000'); // bob's join, record 4
    writeFileSync(logPath, lines.join('\n'));
    const result = await run('audit', 'verify', logPath);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('record 4: edited — hash does not match its content');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const report = await run('audit', 'report', logPath);
    expect(report.code).toBe(1);
    expect(report.stderr).toMatch(/fails verification at record 4/);
  });

  it('the daemon refuses to extend the tampered log', async () => {
    const result = await run('auditor', '--listen', '127.0.0.1:0', '--log', logPath);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/fmls: error: audit log .* fails verification at record 4: edited/);
  });

  it('bad input exits 2 with a one-line error', async () => {
    const missing = await run('audit', 'verify', join(dir, 'missing.jsonl'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^fmls: error: cannot read audit log .*: no such file/);
    const badListen = await run('auditor', '--listen', 'localhost', '--log', logPath);
    expect(badListen.code).toBe(2);
    expect(badListen.stderr).toMatch(/--listen "localhost" is not HOST:PORT/);
  });
});
