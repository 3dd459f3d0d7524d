/**
 * Work orders waiting for each node (I2). A node long-polls; an order stays queued until
 * the node acknowledges it by sequence in its next poll, so an order whose reply was lost
 * is sent again, and the node's acknowledgement keeps it from being handled twice.
 */
import { EventEmitter } from 'node:events';
import type { WorkOrderInput } from '@fmls/wire';

type Kind = 'RUN' | 'UPDATE' | 'CANCEL';

interface Queue {
  next: number;
  pending: Array<{ sequence: number; kind: Kind; taskId: string; configJson: string; reason: string }>;
}

/** The longest a poll is held; the node's deadline must be longer. */
export const MAX_POLL_MS = 20000;

export class WorkOrders {
  private readonly queues = new Map<string, Queue>();
  private readonly events = new EventEmitter();

  constructor() {
    this.events.setMaxListeners(0);
  }

  /** A node registered: orders for its previous incarnation are void. */
  reset(nodeId: string): void {
    this.queues.set(nodeId, { next: 1, pending: [] });
    this.events.emit(nodeId);
  }

  push(nodeId: string, kind: Kind, taskId: string, configJson = '', reason = ''): void {
    let q = this.queues.get(nodeId);
    if (!q) {
      q = { next: 1, pending: [] };
      this.queues.set(nodeId, q);
    }
    q.pending.push({ sequence: q.next++, kind, taskId, configJson, reason });
    this.events.emit(nodeId);
  }

  /** The first order after `acked`, waiting up to `waitMs` for one; WAIT when none came. */
  async next(nodeId: string, acked: number, waitMs: number, cancelled: AbortSignal): Promise<WorkOrderInput> {
    const until = Date.now() + Math.min(Math.max(waitMs, 0), MAX_POLL_MS);
    for (;;) {
      const q = this.queues.get(nodeId);
      if (q) {
        while (q.pending.length > 0 && q.pending[0].sequence <= acked) q.pending.shift();
        const order = q.pending[0];
        if (order) return order;
      }
      const left = until - Date.now();
      if (left <= 0 || cancelled.aborted) return { kind: 'WAIT', taskId: '', configJson: '', reason: '', sequence: 0 };
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.events.off(nodeId, done);
          cancelled.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.events.on(nodeId, done);
        cancelled.addEventListener('abort', done, { once: true });
      });
    }
  }
}
