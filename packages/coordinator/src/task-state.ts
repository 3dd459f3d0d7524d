/**
 * The coordinator's state shared by the gRPC handlers and the round loop: phase,
 * schema, global model and the open round. Every change wakes the long polls.
 */
import { EventEmitter } from 'node:events';
import type { ModelSchema, TaskSpec } from '@fmls/core';
import type { EncryptedState } from './encrypted-state';
import type { Round } from './round';

export type Phase = 'waiting' | 'running' | 'finished' | 'failed';

export class TaskState {
  phase: Phase = 'waiting';
  outcomeReason = '';
  schema: ModelSchema | undefined;
  schemaJson = '';
  global: Float32Array = new Float32Array(0);
  /** SHA-256 of `global`, computed once per version for every download. */
  globalDigest: Buffer = Buffer.alloc(0);
  version = 0;
  round: Round | undefined;
  /** Set for a task with privacy.homomorphic. */
  he: EncryptedState | undefined;
  private readonly events = new EventEmitter();

  constructor(readonly taskId: string, readonly spec: TaskSpec) {
    this.events.setMaxListeners(0);
  }

  get done(): boolean {
    return this.phase === 'finished' || this.phase === 'failed';
  }

  changed(): void {
    this.events.emit('change');
  }

  /** Resolves at the next change, after `ms`, or when `signal` aborts; true if something changed. */
  nextChange(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (changed: boolean): void => {
        clearTimeout(timer);
        this.events.off('change', onChange);
        signal?.removeEventListener('abort', onAbort);
        resolve(changed);
      };
      const onChange = (): void => finish(true);
      const onAbort = (): void => finish(false);
      const timer = setTimeout(() => finish(false), Math.max(0, ms));
      this.events.on('change', onChange);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
