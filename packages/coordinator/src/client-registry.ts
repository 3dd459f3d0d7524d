/**
 * Who has joined, with which session, and who is still alive. A data owner that stops
 * heartbeating is marked lost (rounds stop waiting for it) and restored if it comes back.
 */
import { randomBytes } from 'node:crypto';
import { AuthError, type FeatureStats, type Logger } from '@fmls/core';
import type { AuditSink } from '@fmls/wire';

export interface ClientInfo {
  id: string;
  session: string;
  samples: number;
  classes: string[];
  stats: FeatureStats[];
  /** Regression: statistics of the target. */
  labelStats?: FeatureStats;
  backend: string;
  status: 'active' | 'lost' | 'left';
  lastSeen: number;
  joinedAt: number;
}

export interface ClientJoin {
  id: string;
  samples: number;
  classes: string[];
  stats: FeatureStats[];
  labelStats?: FeatureStats;
  backend: string;
}

export class ClientRegistry {
  private readonly clients = new Map<string, ClientInfo>();
  private monitor: NodeJS.Timeout | undefined;

  constructor(
    private readonly taskId: string,
    private readonly heartbeatTimeoutMs: number,
    private readonly audit: AuditSink,
    private readonly logger: Logger,
    /** Called whenever the set of active clients changes. */
    private readonly onChange: () => void,
  ) {}

  /** Registers (or re-registers, with a fresh session) a data owner. */
  join(join: ClientJoin): ClientInfo {
    const now = Date.now();
    const rejoin = this.clients.has(join.id);
    const info: ClientInfo = { ...join, session: randomBytes(16).toString('hex'), status: 'active', lastSeen: now, joinedAt: now };
    this.clients.set(join.id, info);
    this.logger.info({ client: join.id, samples: join.samples, backend: join.backend }, rejoin ? 'data owner rejoined' : 'data owner joined');
    this.audit.emit('node-joined', { node: join.id, taskId: this.taskId, details: { samples: join.samples, classes: join.classes, backend: join.backend, rejoin } });
    this.onChange();
    return info;
  }

  /** The caller's record if the session matches; marks it seen. */
  authenticate(id: string, session: string): ClientInfo {
    const info = this.clients.get(id);
    if (!info || info.session !== session || session === '' || info.status === 'left') {
      throw new AuthError(`data owner ${JSON.stringify(id)} has no valid session; join first`);
    }
    info.lastSeen = Date.now();
    if (info.status === 'lost') {
      info.status = 'active';
      this.logger.info({ client: id }, 'data owner is back');
      this.audit.emit('heartbeat-restored', { node: id, taskId: this.taskId });
      this.onChange();
    }
    return info;
  }

  leave(id: string, session: string, reason: string): void {
    const info = this.authenticate(id, session);
    info.status = 'left';
    this.logger.info({ client: id, reason }, 'data owner left');
    this.audit.emit('node-left', { node: id, taskId: this.taskId, details: { reason } });
    this.onChange();
  }

  /** Ends a data owner's session without its asking (the agent dropped it); false if it had none. */
  drop(id: string, reason: string): boolean {
    const info = this.clients.get(id);
    if (!info || info.status === 'left') return false;
    info.status = 'left';
    this.logger.warn({ client: id, reason }, 'data owner dropped');
    this.audit.emit('node-left', { node: id, taskId: this.taskId, details: { reason } });
    this.onChange();
    return true;
  }

  /** Every data owner that has not left (active or lost). */
  present(): ClientInfo[] {
    return [...this.clients.values()].filter((c) => c.status !== 'left');
  }

  get(id: string): ClientInfo | undefined {
    return this.clients.get(id);
  }

  active(): ClientInfo[] {
    return [...this.clients.values()].filter((c) => c.status === 'active');
  }

  /** Checks heartbeats every second. */
  startMonitor(): void {
    this.monitor = setInterval(() => this.checkHeartbeats(), 1000);
    this.monitor.unref();
  }

  stopMonitor(): void {
    if (this.monitor) clearInterval(this.monitor);
  }

  private checkHeartbeats(): void {
    const now = Date.now();
    for (const info of this.clients.values()) {
      if (info.status === 'active' && now - info.lastSeen > this.heartbeatTimeoutMs) {
        info.status = 'lost';
        const silentForS = Math.round((now - info.lastSeen) / 100) / 10;
        this.logger.warn({ client: info.id, silentForS }, 'data owner stopped heartbeating; rounds will not wait for it');
        this.audit.emit('heartbeat-lost', { node: info.id, taskId: this.taskId, details: { silentForS } });
        this.onChange();
      }
    }
  }
}
