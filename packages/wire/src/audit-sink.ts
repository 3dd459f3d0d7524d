/**
 * Sends audit events to the auditor without ever blocking training: events queue in
 * memory (bounded) and a single sender delivers them in order with retries. Each event
 * has an id, so a retry after a lost reply is recorded once.
 */
import { randomUUID } from 'node:crypto';
import { backoffMs, sleep, type Logger } from '@fmls/core';
import { AuditorConnection } from './auditor-service';
import type { TlsCredentials } from './tls';

export interface AuditFields {
  node?: string;
  taskId?: string;
  round?: number;
  details?: Record<string, unknown>;
}

const MAX_QUEUE = 10000;

export class AuditSink {
  private readonly queue: Array<{ eventId: string; type: string; fields: AuditFields; timeMs: number }> = [];
  private readonly connection: AuditorConnection | undefined;
  private sending = false;
  private dropped = 0;
  private lastWarning = 0;
  private idle: Array<() => void> = [];

  /** With no address, events are only logged at debug level. `tls`: this node's identity; default plaintext. */
  constructor(address: string | undefined, private readonly source: string, private readonly logger: Logger, tls?: TlsCredentials) {
    this.connection = address ? new AuditorConnection(address, tls) : undefined;
  }

  get enabled(): boolean {
    return this.connection !== undefined;
  }

  emit(type: string, fields: AuditFields = {}): void {
    this.logger.debug({ audit: type, ...fields }, 'audit event');
    if (!this.connection) return;
    if (this.queue.length >= MAX_QUEUE) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push({ eventId: randomUUID(), type, fields, timeMs: Date.now() });
    if (!this.sending) void this.drain();
  }

  private async drain(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    this.sending = true;
    let attempt = 0;
    while (this.queue.length > 0) {
      const ev = this.queue[0];
      try {
        await connection.record({
          eventId: ev.eventId,
          type: ev.type,
          source: this.source,
          node: ev.fields.node ?? '',
          taskId: ev.fields.taskId ?? '',
          round: ev.fields.round ?? 0,
          detailsJson: JSON.stringify(ev.fields.details ?? {}),
          timeMs: ev.timeMs,
        });
        this.queue.shift();
        attempt = 0;
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code === 3 /* INVALID_ARGUMENT: the auditor will never take it */) {
          this.logger.warn({ type: ev.type, err: (err as Error).message }, 'auditor refused an event');
          this.queue.shift();
          continue;
        }
        if (Date.now() - this.lastWarning > 30000) {
          this.lastWarning = Date.now();
          this.logger.warn({ auditor: connection.address, queued: this.queue.length }, `auditor unreachable, holding events: ${(err as Error).message}`);
        }
        await sleep(backoffMs(attempt++, 250, 5000));
      }
    }
    if (this.dropped > 0) {
      this.logger.warn({ dropped: this.dropped }, 'audit queue overflowed; oldest events were dropped');
      this.dropped = 0;
    }
    this.sending = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Waits until queued events are delivered, at most `timeoutMs`; returns how many are left. */
  async flush(timeoutMs: number): Promise<number> {
    if (this.queue.length > 0 && this.sending) {
      await Promise.race([new Promise<void>((r) => this.idle.push(r)), sleep(timeoutMs)]);
    }
    if (this.queue.length > 0) this.logger.warn({ undelivered: this.queue.length }, 'audit events not delivered before shutdown');
    return this.queue.length;
  }

  close(): void {
    this.connection?.close();
  }
}
