/**
 * Starts an fmls daemon as a child process with JSON logs, keeps its log in a file,
 * learns its bound address from its 'listening' line, and remembers its last error.
 * Used by `fmls simulate` and by the integration tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ExitCode, NetworkError } from '@fmls/core';

/** The launcher the children run: packages/cli/bin/fmls. */
export const FMLS_BIN = resolve(__dirname, '..', 'bin', 'fmls');

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

export class ChildDaemon {
  readonly process: ChildProcess;
  readonly exited: Promise<number>;
  lastError: string | undefined;
  private readonly log: WriteStream;
  private readonly listeners: Array<(line: LogLine) => void> = [];
  private exitCode: number | undefined;

  constructor(readonly name: string, args: string[], logPath: string, env: NodeJS.ProcessEnv = {}) {
    mkdirSync(dirname(logPath), { recursive: true });
    this.log = createWriteStream(logPath);
    this.process = spawn(process.execPath, [FMLS_BIN, ...args], {
      env: { ...process.env, FMLS_LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.process.stdout, this.process.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (text) => this.onLine(text));
    }
    this.exited = new Promise((resolveExit) => {
      this.process.on('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : 1);
        resolveExit(this.exitCode);
      });
      this.process.on('error', (err) => {
        this.lastError = err.message;
        this.exitCode = 1;
        resolveExit(1);
      });
    });
    void this.exited.then(() => this.log.end());
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  private onLine(text: string): void {
    this.log.write(`${text}\n`);
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text, level: text.startsWith('fmls: error:') ? 50 : 30 };
    }
    if ((line.level ?? 0) >= 50) this.lastError = String(line.reason ?? line.msg ?? text).replace(/^fmls: error: /, '');
    for (const l of this.listeners) l(line);
  }

  onLog(listener: (line: LogLine) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves with the address from the daemon's 'listening' line. */
  waitListening(timeoutMs = 60000): Promise<string> {
    return new Promise((resolveAddr, reject) => {
      const timer = setTimeout(() => reject(new NetworkError(`${this.name} did not start listening within ${timeoutMs / 1000}s`)), timeoutMs);
      this.onLog((line) => {
        if (line.msg === 'listening' && typeof line.address === 'string') {
          clearTimeout(timer);
          resolveAddr(line.address);
        }
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        // A child refusing its input (exit 2) means the user's input was bad: say so with the same code.
        reject(new NetworkError(`${this.name} exited (code ${code}) before listening: ${this.lastError ?? 'see its log'}`, { exitCode: code === ExitCode.badInput ? code : ExitCode.failure }));
      });
    });
  }

  /** Sends a signal and waits (bounded) for the exit; SIGKILL if it does not go. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<number> {
    if (!this.running) return this.exitCode as number;
    this.process.kill(signal);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
