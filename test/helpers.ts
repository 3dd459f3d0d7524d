/**
 * Shared helpers of the integration tests in test/: running the real `fmls` CLI as a
 * child process (always with a timeout), daemons started through ChildDaemon (tracked so
 * a test can kill them all, even on failure), temp dirs, dataset shares, task files and
 * waiting for metrics.jsonl to grow. Everything needs the build (`npx tsc -b`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundledDatasets, partitionRows, readCsv, toDataset, trainTestSplit, writeCsv, type PartitionSpec } from '@fmls/data';
import { ChildDaemon, type LogLine } from '../packages/cli/src/child-daemon';
import type { RoundMetrics } from '@fmls/coordinator';
import { withTimeout as coreWithTimeout } from '@fmls/core';

export const repoRoot = resolve(__dirname, '..');
export const fmlsBin = join(repoRoot, 'bin', 'fmls');
/** Default bound of a short CLI command (start-up of node + tfjs is ~1 s). */
export const WAIT_MS = 15_000;

// ---------------------------------------------------------------------------------------
// One-shot CLI commands

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time from spawn to exit. */
  ms: number;
  /** True when the command was killed for running past its timeout. */
  timedOut: boolean;
  /** Set when the process could not be spawned at all. */
  spawnError?: string;
}

export interface FmlsOptions {
  /** Merged over process.env; an undefined value removes the variable. Default: JSON logs at info. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const children = new Set<ChildProcess>();

/** Spawns `fmls ARGS` (tracked: {@link killAllChildren} ends it). */
export function spawnFmls(args: string[], options: FmlsOptions = {}): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, FMLS_LOG_FORMAT: 'json', FMLS_LOG_LEVEL: 'info', ...options.env };
  delete env.FMLS_DEBUG; // the tests check that no stack trace is printed
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const child = spawn(process.execPath, [fmlsBin, ...args], { cwd: options.cwd ?? repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child)); // a failed spawn; the waiters below report it
  return child;
}

/** Resolves with the exit code, or rejects after `ms` (or when the process could not be spawned). */
export function exited(child: ChildProcess, ms = WAIT_MS): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`fmls did not exit within ${ms} ms`)), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise(code);
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Runs one `fmls` command to completion. Past `timeoutMs` it is SIGKILLed and the result
 * says `timedOut` (rather than rejecting), so a test can still show what it printed.
 * Always settles: on exit, on a failed spawn, or shortly after the timeout's kill.
 */
export function runFmls(args: string[], options: FmlsOptions & { timeoutMs?: number } = {}): Promise<Finished> {
  const timeoutMs = options.timeoutMs ?? WAIT_MS;
  const started = Date.now();
  const child = spawnFmls(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolvePromise) => {
    let timedOut = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const settle = (code: number | null, signal: NodeJS.Signals | null, spawnError?: string): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      resolvePromise({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut, spawnError });
    };
    timers.push(
      setTimeout(() => {
        timedOut = true;
        void terminate(child);
        // Should 'close' never come (a grandchild holding the pipes), settle anyway.
        timers.push(setTimeout(() => settle(child.exitCode, child.signalCode), TERM_GRACE_MS + 5000));
      }, timeoutMs),
    );
    // 'close' (not 'exit'): every byte of stdout and stderr has been read by then.
    child.once('close', (code, signal) => settle(code, signal));
    child.once('error', (err) => settle(null, null, err.message));
  });
}

/** How long a command gets to stop after SIGTERM (simulate stops its own children then) before SIGKILL. */
const TERM_GRACE_MS = 8000;

/**
 * SIGTERM, then SIGKILL if it has not exited after TERM_GRACE_MS. SIGTERM first so that
 * `fmls simulate` stops the daemons it started (a SIGKILL would leave them orphaned).
 */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([gone, new Promise<void>((r) => (timer = setTimeout(r, TERM_GRACE_MS)))]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await gone;
  }
}

/** Ends every child spawned by {@link spawnFmls} that is still running (SIGTERM, then SIGKILL). */
export async function killAllChildren(): Promise<void> {
  const running = [...children];
  children.clear();
  await Promise.all(running.map(terminate));
}

/** Fails with what the command printed when its exit code is not `code`. */
export function expectExit(result: Finished, code: number): void {
  if (result.code !== code) {
    throw new Error(
      `expected exit ${code}, got ${result.spawnError ? `a failed spawn: ${result.spawnError}` : result.timedOut ? `a timeout after ${result.ms} ms` : `${result.code} (signal ${result.signal})`}\n` +
        `--- stderr (tail) ---\n${tailText(result.stderr, 40)}\n--- stdout (tail) ---\n${tailText(result.stdout, 20)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------
// Daemons (ChildDaemon: JSON logs to a file, 'listening' address, last error)

const daemons = new Set<ChildDaemon>();

/** Starts `fmls ARGS` as a daemon whose log goes to `logPath`; tracked for {@link stopAllDaemons}. */
export function startDaemon(name: string, args: string[], logPath: string): ChildDaemon {
  const daemon = new ChildDaemon(name, args, logPath);
  daemons.add(daemon);
  return daemon;
}

/** Kills every daemon still running (SIGKILL: cleanup after a test, passed or failed). */
export async function stopAllDaemons(): Promise<void> {
  await Promise.all([...daemons].map((d) => d.stop('SIGKILL', 2000)));
  daemons.clear();
}

/** The daemon's exit code, or an error naming it after `ms` (with the tail of its log). */
export function daemonExit(daemon: ChildDaemon, ms: number, logPath?: string): Promise<number> {
  return withTimeout(daemon.exited, ms, () => `${daemon.name} did not exit within ${ms} ms${logPath ? `\n${tailFile(logPath, 15)}` : ''}`);
}

/** Counts the daemon's log lines that match, from now on. */
export function countLogLines(daemon: ChildDaemon, match: (line: LogLine) => boolean): { readonly count: number } {
  const counter = { count: 0 };
  daemon.onLog((line) => {
    if (match(line)) counter.count++;
  });
  return counter;
}

// ---------------------------------------------------------------------------------------
// Waiting

/** Resolves with `promise`'s value, or rejects with `what()` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  return coreWithTimeout(promise, ms, () => new Error(what()));
}

/** Polls `check` until it returns a value other than undefined, or fails after `ms`. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, ms: number, what: () => string, intervalMs = 50): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= until) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---------------------------------------------------------------------------------------
// Run outputs

/** One line of metrics.jsonl. */
export type MetricsLine = RoundMetrics;

/** The complete lines of a JSON-lines file (a line still being written is left out). */
export function readJsonLines<T = Record<string, unknown>>(path: string): T[] {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      break; // torn last line: read it next time
    }
  }
  return out;
}

export function readMetrics(path: string): MetricsLine[] {
  return readJsonLines<MetricsLine>(path);
}

/** Waits until metrics.jsonl at `path` has at least `n` lines (and `also` holds), then returns them. */
export function waitForMetricsLines(path: string, n: number, ms: number, also: (lines: MetricsLine[]) => boolean = () => true): Promise<MetricsLine[]> {
  return waitFor(
    () => {
      const lines = readMetrics(path);
      return lines.length >= n && also(lines) ? lines : undefined;
    },
    ms,
    () => `${n} lines in ${path} (have ${readMetrics(path).length})`,
  );
}

export function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function tailText(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function tailFile(path: string, lines: number): string {
  return existsSync(path) ? `--- ${path} (tail) ---\n${tailText(readFileSync(path, 'utf8'), lines)}` : `(no ${path})`;
}

// ---------------------------------------------------------------------------------------
// Temp dirs, data shares, task files

const tempDirs: string[] = [];

/** A fresh directory under os.tmpdir(); removed by {@link removeTempDirs}. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes the temp dirs, unless FMLS_KEEP_TEST_DIRS is set (to look at a failed run). */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) {
    if (process.env.FMLS_KEEP_TEST_DIRS) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

export interface Shares {
  label: string;
  features: number;
  testPath: string;
  /** One CSV per data owner, named after `ids`. */
  clients: Array<{ id: string; path: string; rows: number }>;
}

/**
 * Writes a held-out test CSV and one training share per id from a bundled dataset, the way
 * `fmls simulate` does (stratified split, iid or Dirichlet shares), with @fmls/data.
 */
export function writeShares(opts: { dir: string; ids: string[]; dataset?: string; partition?: PartitionSpec; seed?: number; testFraction?: number }): Shares {
  const name = opts.dataset ?? 'breast-cancer';
  const bundled = bundledDatasets().find((b) => b.name === name);
  if (!bundled) throw new Error(`no bundled dataset ${name}`);
  const seed = opts.seed ?? 42;
  const table = readCsv(bundled.path);
  const ds = toDataset(table, { label: bundled.label });
  const split = trainTestSplit(ds.n, opts.testFraction ?? 0.2, seed, ds.labels);
  const testPath = join(opts.dir, 'test.csv');
  writeCsv(testPath, table.columns, split.test.map((i) => table.rows[i]));
  const parts = partitionRows(split.train.map((i) => ds.labels[i]), opts.ids.length, opts.partition ?? { kind: 'iid' }, seed);
  const clients = parts.map((rows, k) => {
    const id = opts.ids[k];
    const path = join(opts.dir, `${id}.csv`);
    writeCsv(path, table.columns, rows.map((r) => table.rows[split.train[r]]));
    return { id, path, rows: rows.length };
  });
  return { label: bundled.label, features: ds.d, testPath, clients };
}

/** Writes a task file (JSON) and returns its path. */
export function writeTask(path: string, task: Record<string, unknown>): string {
  writeFileSync(path, `${JSON.stringify(task, null, 2)}\n`);
  return path;
}

// ---------------------------------------------------------------------------------------
// Ports

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * A TCP listener that counts connections and drops each at once: pointed at by
 * --coordinator or --auditor, it proves a command failed before connecting to anything.
 */
export interface Tripwire {
  address: string;
  port: number;
  readonly connections: number;
  close(): Promise<void>;
}

export async function startTripwire(): Promise<Tripwire> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
