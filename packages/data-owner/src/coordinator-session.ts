/**
 * This data owner's conversation with the coordinator: every call has a deadline and
 * transient failures are retried with backoff up to `reconnectMs`; a session the
 * coordinator no longer knows is renewed by joining again. Heartbeats run beside it.
 */
import { NetworkError, type Logger } from '@fmls/core';
import { CoordinatorConnection, GrpcStatus, PROTOCOL_VERSION, retry, statusCode, type JoinRequest, type TaskInfo, type TlsCredentials } from '@fmls/wire';

export class CoordinatorSession {
  readonly connection: CoordinatorConnection;
  session = '';
  private heartbeat: NodeJS.Timeout | undefined;
  private joinRequest: JoinRequest | undefined;

  constructor(
    address: string,
    readonly clientId: string,
    private readonly reconnectMs: number,
    private readonly logger: Logger,
    tls?: TlsCredentials,
  ) {
    this.connection = new CoordinatorConnection(address, tls);
  }

  /**
   * Fetches the task, retrying until the coordinator answers or `connectMs` passes.
   * `taskId` and `credential` (agent mode) let a coordinator serving several tasks pick ours.
   * An abort ends the wait early, so a cancelled task does not hold on to a dead address.
   */
  async fetchTask(connectMs: number, which: { taskId?: string; credential?: string } = {}, signal?: AbortSignal): Promise<TaskInfo> {
    try {
      return await retry(() => this.connection.getTask({ protocolVersion: PROTOCOL_VERSION, clientId: this.clientId, taskId: which.taskId ?? '', credential: which.credential ?? '' }), {
        totalMs: connectMs,
        signal,
        onRetry: (attempt) => {
          if (attempt === 1 || attempt % 5 === 0) this.logger.info(`waiting for the coordinator at ${this.connection.address}…`);
        },
      });
    } catch (err) {
      if (statusCode(err) === GrpcStatus.UNAVAILABLE || statusCode(err) === GrpcStatus.DEADLINE_EXCEEDED) {
        throw new NetworkError(`cannot reach the coordinator at ${this.connection.address} after ${Math.round(connectMs / 1000)}s`, {
          fix: 'start the coordinator first, check --coordinator, or raise --connect-timeout',
          cause: err,
          exitCode: 2,
        });
      }
      throw err;
    }
  }

  async join(request: JoinRequest): Promise<void> {
    this.joinRequest = request;
    const reply = await this.withRetry(() => this.connection.join(request));
    if (!reply.accepted) {
      throw new NetworkError(`the coordinator refused to let ${this.clientId} join: ${reply.reason}`, { fix: 'fix the data or task mismatch it names' });
    }
    this.session = reply.session;
    this.startHeartbeat(reply.heartbeatIntervalMs || 2000);
  }

  /** Runs a call with retries; an unknown session triggers one rejoin and a retry. */
  async call<T>(fn: (session: string) => Promise<T>): Promise<T> {
    try {
      return await this.withRetry(() => fn(this.session));
    } catch (err) {
      if (statusCode(err) !== GrpcStatus.UNAUTHENTICATED || !this.joinRequest) throw err;
      this.logger.warn('the coordinator no longer knows this session; joining again');
      await this.join(this.joinRequest);
      return this.withRetry(() => fn(this.session));
    }
  }

  private withRetry<T>(fn: () => Promise<T>): Promise<T> {
    return retry(fn, {
      totalMs: this.reconnectMs,
      onRetry: (attempt, err) => {
        if (attempt === 1 || attempt % 10 === 0) this.logger.warn(`coordinator call failed, retrying: ${(err as Error).message}`);
      },
    });
  }

  private startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      this.connection.heartbeat({ taskId: this.joinRequest?.taskId ?? '', clientId: this.clientId, session: this.session }, intervalMs).then(
        (reply) => {
          if (!reply.known) this.logger.debug('heartbeat: session unknown to the coordinator');
        },
        () => undefined, // a missed heartbeat is the coordinator's signal; the main loop handles outages
      );
    }, intervalMs);
    this.heartbeat.unref();
  }

  stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  async leave(taskId: string, reason: string): Promise<void> {
    this.stopHeartbeat();
    if (!this.session) return;
    await this.connection.leave({ taskId, clientId: this.clientId, session: this.session, reason }, 2000).catch(() => undefined);
  }

  close(): void {
    this.stopHeartbeat();
    this.connection.close();
  }
}

