/**
 * The coordinator daemon: validates its inputs, listens, runs one task to the
 * end, writes the result and stops. `done` resolves with the outcome.
 */
import { randomBytes } from 'node:crypto';
import { sleep, type BackendPreference, type Logger, type TaskSpec } from '@fmls/core';
import { readCsv } from '@fmls/data';
import { addCoordinatorService, AuditSink, startServer, type HostPort } from '@fmls/wire';
import { selectBackend } from '@fmls/tensor';
import { ClientRegistry } from './client-registry';
import { createHandlers } from './handlers';
import { RoundLoop } from './round-loop';
import { RunOutputs, type RoundMetrics } from './run-outputs';
import { TaskState } from './task-state';
import { TestEvaluator } from './test-evaluator';
import { UpdateIntake } from './update-intake';

export interface CoordinatorOptions {
  listen: HostPort;
  task: TaskSpec;
  outDir: string;
  /** Auditor HOST:PORT; events are only logged without it. */
  auditor?: string;
  /** Held-out CSV the coordinator evaluates each new global model on. */
  testCsv?: string;
  backend: BackendPreference;
  logger: Logger;
  /** Default: a random id. */
  taskId?: string;
  /** Default 2000 ms; a data owner silent for 5 intervals is considered lost. */
  heartbeatIntervalMs?: number;
  onRound?: (m: RoundMetrics) => void;
}

export interface RunningCoordinator {
  address: string;
  taskId: string;
  done: Promise<{ outcome: 'succeeded' | 'failed'; reason: string }>;
  /** Stops early (SIGINT): the task is marked failed and data owners are told. */
  stop(reason: string): void;
}

/** How long a finished coordinator keeps answering so data owners learn the task is over. */
const DONE_GRACE_MS = 5000;

export async function startCoordinator(options: CoordinatorOptions): Promise<RunningCoordinator> {
  const { logger } = options;
  // Inputs first, before any connection is made.
  const outputs = new RunOutputs(options.outDir);
  const testTable = options.testCsv ? readCsv(options.testCsv) : undefined;
  if (testTable) TestEvaluator.check(testTable, options.task.data.label);
  outputs.prepare();
  const backend = await selectBackend(options.backend, (msg) => logger.info(msg));

  const taskId = options.taskId ?? `task-${randomBytes(4).toString('hex')}`;
  const state = new TaskState(taskId, options.task);
  const audit = new AuditSink(options.auditor, 'coordinator', logger);
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 2000;
  const registry = new ClientRegistry(taskId, heartbeatIntervalMs * 5, audit, logger, () => state.changed());
  const intake = new UpdateIntake(state, registry, audit, logger);
  const notifiedDone = new Set<string>();
  const handlers = createHandlers({ state, registry, intake, audit, logger, heartbeatIntervalMs, notifiedDone });
  const server = await startServer(options.listen, (s) => addCoordinatorService(s, handlers));
  logger.info({ address: server.address, taskId, backend: backend.name }, 'listening');
  registry.startMonitor();

  const loop = new RoundLoop({ state, registry, outputs, audit, logger, tester: testTable ? new TestEvaluator(testTable) : undefined, onRound: options.onRound });
  let stopRequested: ((reason: string) => void) | undefined;
  const stopped = new Promise<{ outcome: 'failed'; reason: string }>((resolve) => {
    stopRequested = (reason) => resolve({ outcome: 'failed', reason });
  });

  const done = (async () => {
    const result = await Promise.race([loop.run(), stopped]);
    if (!state.done) {
      state.phase = 'failed';
      state.outcomeReason = result.reason;
      state.changed();
    }
    // Let live data owners learn the outcome from their next poll, then shut down.
    const until = Date.now() + DONE_GRACE_MS;
    while (Date.now() < until && registry.active().some((c) => !notifiedDone.has(c.id))) await sleep(100);
    registry.stopMonitor();
    await audit.flush(5000);
    audit.close();
    await server.shutdown(1000);
    return result;
  })();

  return {
    address: server.address,
    taskId,
    done,
    stop: (reason) => stopRequested?.(reason),
  };
}
