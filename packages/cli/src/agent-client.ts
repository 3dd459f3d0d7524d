/**
 * Talking to the FMLMS agent over I1 from the CLI: the --agent option, and the one place
 * where a failed call becomes the line the user sees. Every task/nodes/topology command
 * goes through withAgent, so "agent down" and "agent said no" read the same everywhere.
 */
import { Option } from 'commander';
import { ExitCode, InputError, NetworkError, sleep } from '@fmls/core';
import { AgentConnection, GrpcStatus, parseHostPort, statusCode, type TaskStatus } from '@fmls/wire';
import { FINAL_STATES } from './agent-views/task-json';
import { parseTlsFlags, type TlsFlags } from './tls-options';

export const DEFAULT_AGENT = '127.0.0.1:7300';

export function agentOption(): Option {
  return new Option('--agent <host:port>', 'FMLMS agent to talk to')
    .env('FMLS_AGENT')
    .default(DEFAULT_AGENT)
    .argParser((value: string) => {
      parseHostPort(value, '--agent');
      return value.trim();
    });
}

/** Fixes for the agent's refusals, per command (the agent's message says what, these say what to do). */
export interface RefusalHints {
  notFound?: string;
  precondition?: string;
  invalid?: string;
}

/** The agent's own words: the status details, without callFailed's "Call to peer failed: CODE:" prefix. */
export function agentMessage(err: unknown): string {
  const cause = (err as { cause?: { details?: unknown } }).cause;
  if (typeof cause?.details === 'string' && cause.details !== '') return cause.details;
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^\w+ to \S+ failed: [A-Z_]+: /, '');
}

export function isUnreachable(err: unknown): boolean {
  const code = statusCode(err);
  return code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED;
}

export function unreachableError(address: string, cause?: unknown): NetworkError {
  return new NetworkError(`cannot reach the agent at ${address}`, {
    fix: `start it with fmls agent --listen ${address} --state-dir DIR, or pass --agent`,
    exitCode: ExitCode.badInput,
    cause,
  });
}

/** Maps a failed call; errors that are not gRPC failures (ours, digest checks) pass through. */
export function mapAgentError(address: string, err: unknown, hints: RefusalHints = {}): unknown {
  const code = statusCode(err);
  if (isUnreachable(err)) return unreachableError(address, err);
  const fix =
    code === GrpcStatus.NOT_FOUND ? hints.notFound
    : code === GrpcStatus.FAILED_PRECONDITION ? hints.precondition
    : code === GrpcStatus.INVALID_ARGUMENT ? hints.invalid
    : undefined;
  if (code === GrpcStatus.NOT_FOUND || code === GrpcStatus.FAILED_PRECONDITION || code === GrpcStatus.INVALID_ARGUMENT) {
    return new InputError(agentMessage(err), { fix, cause: err });
  }
  return err;
}

/** Where a client command talks to: --agent and its TLS flags. */
export interface AgentTarget extends TlsFlags {
  agent: string;
}

/** Opens a connection to the agent (TLS when the flags say so), runs `fn`, maps its failure and always closes. */
export async function withAgent<T>(target: string | AgentTarget, fn: (agent: AgentConnection) => Promise<T>, hints?: RefusalHints): Promise<T> {
  const address = typeof target === 'string' ? target : target.agent;
  parseHostPort(address, '--agent');
  const tls = typeof target === 'string' ? undefined : parseTlsFlags(target);
  const agent = new AgentConnection(address, tls);
  try {
    return await fn(agent);
  } catch (err) {
    throw mapAgentError(address, err, hints);
  } finally {
    agent.close();
  }
}

export interface PollOptions {
  intervalMs: number;
  /** Give up (resolve with the last status) after this long; undefined: never. */
  timeoutMs?: number;
  /** How long an agent that answered before may stay silent before the wait fails. */
  silenceMs: number;
  onStatus: (status: TaskStatus) => void;
  /** true when the agent stops answering, false when it answers again. */
  onSilence?: (silent: boolean) => void;
}

/**
 * Polls a task until its state is final or the time is up; `done` tells which. An agent
 * that stops answering is retried for silenceMs (it may be restarting); one that never
 * answered fails at once, as every other command does.
 */
export async function pollTask(agent: AgentConnection, taskId: string, o: PollOptions): Promise<{ status: TaskStatus; done: boolean }> {
  const started = Date.now();
  let last: TaskStatus | undefined;
  let lastAnswer = 0;
  let silent = false;
  for (;;) {
    try {
      last = await agent.getTaskStatus({ taskId }, Math.min(5000, o.silenceMs));
      lastAnswer = Date.now();
      if (silent) o.onSilence?.((silent = false));
      o.onStatus(last);
      if (FINAL_STATES.has(last.state)) return { status: last, done: true };
    } catch (err) {
      if (!last || !isUnreachable(err)) throw err;
      if (Date.now() - lastAnswer >= o.silenceMs) {
        throw new NetworkError(`lost the agent at ${agent.address} while waiting for task ${taskId}: no answer for ${Math.round(o.silenceMs / 1000)} s`, {
          fix: `check the agent; the task may still be running: fmls task status ${taskId} --agent ${agent.address}`,
          cause: err,
        });
      }
      if (!silent) o.onSilence?.((silent = true));
    }
    if (o.timeoutMs !== undefined && Date.now() - started >= o.timeoutMs) return { status: last, done: false };
    await sleep(o.intervalMs);
  }
}
