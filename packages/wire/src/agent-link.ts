/**
 * A role daemon's side of I2: register with the agent (retrying until it answers),
 * heartbeat, long-poll for work orders, and report progress. An agent that restarts
 * forgets the node's token; the link then registers again by itself and carries on.
 * Reports queue in memory and are delivered in order with retries, so a task never
 * waits on the agent.
 */
import { InputError, NetworkError, backoffMs, sleep, untilAborted, type Logger } from '@fmls/core';
import { AgentConnection } from './agent-service';
import type { FileSource } from './file-transfer';
import type { DatasetOffer } from './generated/fmls/v1/DatasetOffer';
import type { NodeAttributes } from './generated/fmls/v1/NodeAttributes';
import type { TaskReport } from './generated/fmls/v1/TaskReport';
import type { WorkOrder__Output } from './generated/fmls/v1/WorkOrder';
import { PROTOCOL_VERSION } from './proto';
import { retry } from './retry';
import { GrpcStatus, isTransient, statusCode } from './status-errors';
import type { TlsCredentials } from './tls';

export interface AgentLinkOptions {
  agent: string;
  nodeId: string;
  /** Read at every (re)registration, so run-time changes are reported. */
  attributes: () => NodeAttributes;
  datasets: DatasetOffer[];
  /** Tasks this node is serving now, reported when registering again. */
  runningTasks: () => string[];
  /** Free disk for heartbeats; -1 when unknown. */
  freeDiskMb: () => number;
  logger: Logger;
  /** This node's TLS identity for the agent connection; default plaintext. */
  tls?: TlsCredentials;
}

/** Long-poll length; the agent holds a poll at most 20 s. */
const POLL_MS = 15000;
const MAX_REPORTS = 10000;

export class AgentLink {
  readonly connection: AgentConnection;
  private token = '';
  private acked = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private reregister = false;
  private readonly reports: TaskReport[] = [];
  private sending = false;
  private idle: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: AgentLinkOptions) {
    this.connection = new AgentConnection(options.agent, options.tls);
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  /** The node's credential for file uploads. */
  get nodeToken(): string {
    return this.token;
  }

  /** Registers, retrying an unreachable agent for `timeoutMs`; a refusal is bad input (exit 2). */
  async register(timeoutMs: number): Promise<void> {
    const { logger, nodeId } = this.options;
    let reply;
    try {
      reply = await retry(
        () => this.connection.register({ protocolVersion: PROTOCOL_VERSION, nodeId, attributes: this.options.attributes(), datasets: this.options.datasets, runningTasks: this.options.runningTasks() }),
        {
          totalMs: timeoutMs,
          onRetry: (attempt) => {
            if (attempt === 1 || attempt % 10 === 0) logger.info(`waiting for the agent at ${this.options.agent}…`);
          },
        },
      );
    } catch (err) {
      if (isTransient(err)) {
        throw new NetworkError(`cannot reach the agent at ${this.options.agent} after ${Math.round(timeoutMs / 1000)}s`, {
          fix: 'start the agent first, check --agent, or raise --connect-timeout',
          cause: err,
          exitCode: 2,
        });
      }
      throw err;
    }
    if (!reply.accepted) throw new InputError(`the agent refused to register ${nodeId}: ${reply.reason}`, { fix: 'fix what the agent names and start the node again' });
    this.token = reply.nodeToken;
    this.acked = 0;
    this.reregister = false;
    this.startHeartbeat(reply.heartbeatIntervalMs || 2000);
    logger.info({ agent: this.options.agent, nodeId }, 'registered with the agent');
  }

  /**
   * The next work order; retries through agent outages and registers again when the agent
   * no longer knows this node. Resolves undefined once `signal` aborts.
   */
  async nextOrder(signal: AbortSignal): Promise<WorkOrder__Output | undefined> {
    let attempt = 0;
    let lastWarning = 0;
    while (!signal.aborted) {
      try {
        if (this.reregister) await this.register(30000);
        const poll = this.connection.awaitWork({ nodeId: this.options.nodeId, nodeToken: this.token, waitMs: POLL_MS, ackedSequence: this.acked }, POLL_MS + 10000);
        // A stop must not wait for the long poll to come back.
        const order = await untilAborted(poll, signal);
        if (!order) return undefined;
        attempt = 0;
        if (order.kind === 'WAIT') continue;
        this.acked = Math.max(this.acked, order.sequence);
        return order;
      } catch (err) {
        if (statusCode(err) === GrpcStatus.UNAUTHENTICATED) {
          this.options.logger.warn('the agent no longer knows this node; registering again');
          this.reregister = true;
          continue;
        }
        if (!isTransient(err) && !(err instanceof NetworkError)) throw err;
        if (Date.now() - lastWarning > 30000) {
          lastWarning = Date.now();
          this.options.logger.warn(`agent unreachable, retrying: ${(err as Error).message}`);
        }
        await sleep(backoffMs(attempt++, 250, 5000), signal).catch(() => undefined);
      }
    }
    return undefined;
  }

  /** Queues a report for the agent; never blocks and never throws. */
  report(report: Omit<TaskReport, 'nodeId' | 'nodeToken'>): void {
    if (this.reports.length >= MAX_REPORTS) this.reports.shift();
    this.reports.push(report);
    if (!this.sending) void this.drain();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    let attempt = 0;
    while (this.reports.length > 0 && !this.closed) {
      const report = this.reports[0];
      try {
        await this.connection.reportTask({ ...report, nodeId: this.options.nodeId, nodeToken: this.token });
        this.reports.shift();
        attempt = 0;
      } catch (err) {
        if (statusCode(err) === GrpcStatus.INVALID_ARGUMENT || statusCode(err) === GrpcStatus.FAILED_PRECONDITION || statusCode(err) === GrpcStatus.NOT_FOUND) {
          this.options.logger.warn(`the agent refused a ${String(report.kind)} report: ${(err as Error).message}`);
          this.reports.shift();
          continue;
        }
        if (statusCode(err) === GrpcStatus.UNAUTHENTICATED) this.reregister = true;
        await sleep(backoffMs(attempt++, 250, 5000));
      }
    }
    this.sending = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Waits until queued reports are delivered, at most `timeoutMs`; returns how many are left. */
  async flush(timeoutMs: number): Promise<number> {
    if (this.reports.length > 0) await Promise.race([new Promise<void>((r) => this.idle.push(r)), sleep(timeoutMs)]);
    return this.reports.length;
  }

  /** Hands files (paths, or bytes under a name) to the agent, retrying outages for up to `timeoutMs`. */
  async uploadArtifacts(taskId: string, files: FileSource[], timeoutMs = 300000): Promise<void> {
    await retry(
      async () => {
        if (this.reregister) await this.register(30000);
        try {
          return await this.connection.uploadArtifacts({ taskId, nodeId: this.options.nodeId, nodeToken: this.token }, files);
        } catch (err) {
          if (statusCode(err) === GrpcStatus.UNAUTHENTICATED) this.reregister = true;
          throw err;
        }
      },
      { totalMs: timeoutMs, retryable: (err) => isTransient(err) || statusCode(err) === GrpcStatus.UNAUTHENTICATED },
    );
  }

  private startHeartbeat(intervalMs: number): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      this.connection.nodeHeartbeat({ nodeId: this.options.nodeId, nodeToken: this.token, freeDiskMb: this.options.freeDiskMb() }, intervalMs).then(
        (reply) => {
          if (!reply.known) this.reregister = true;
        },
        () => undefined, // an outage shows in the work loop, which retries
      );
    }, intervalMs);
    this.heartbeat.unref();
  }

  close(): void {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.connection.close();
  }
}

/**
 * A role daemon's work loop: takes orders until `signal` aborts and hands each to
 * `handle`. A failing order is logged and the loop goes on; a refusal from the agent
 * (outages the link retries itself) gets a pause, never an exit.
 */
export async function serveOrders(
  link: Pick<AgentLink, 'nextOrder'>,
  signal: AbortSignal,
  logger: Logger,
  handle: (order: WorkOrder__Output) => void | Promise<void>,
): Promise<void> {
  while (!signal.aborted) {
    let order: WorkOrder__Output | undefined;
    try {
      order = await link.nextOrder(signal);
    } catch (err) {
      logger.error(`cannot get work from the agent: ${(err as Error).message}`);
      await sleep(5000, signal).catch(() => undefined);
      continue;
    }
    if (!order) return;
    try {
      await handle(order);
    } catch (err) {
      logger.error({ kind: order.kind, taskId: order.taskId }, `cannot handle a ${order.kind} order: ${(err as Error).message}`);
    }
  }
}
