/**
 * Agent mode: the coordinator takes its tasks from the FMLMS agent's work orders (I2)
 * instead of a task file, serves them side by side on one host, and reports each task's
 * start, rounds and end, handing the agent the model and metrics when a task ends.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseNodeTaskConfig, ValidationError, type BackendPreference, type Logger, type NodeTaskConfig } from '@fmls/core';
import { openSealedFile } from '@fmls/store';
import { serveOrders, type AgentLink, type FileSource, type WorkOrder } from '@fmls/wire';
import type { CoordinatorHost } from './coordinator-host';
import type { CoordinatorTask } from './coordinator-task';

/** What serveAgent needs of the link (an AgentLink; a fake in tests). */
export type AgentLinkPort = Pick<AgentLink, 'nextOrder' | 'report' | 'uploadArtifacts'>;

export interface ServeAgentOptions {
  link: AgentLinkPort;
  host: Pick<CoordinatorHost, 'address' | 'run'>;
  /** Each task writes its outputs to WORK_DIR/TASK_ID. */
  workDir: string;
  backend: BackendPreference;
  logger: Logger;
  /** Aborting it ends the loop; tasks still running are then stopped and reported. */
  signal: AbortSignal;
  /** Passed to each task (tests shorten it); default 5000 ms. */
  doneGraceMs?: number;
  /** Storage key: each task's files are sealed on disk, and opened to be handed to the agent. Default: plain files. */
  storageKey?: Buffer;
}

/** The outputs a finished task hands the agent, when they exist. */
export const TASK_ARTIFACTS = ['model.json', 'weights.bin', 'schema.json', 'metrics.jsonl', 'result.json'] as const;

/** Task ids become directory names, so they must not climb out of the work directory. */
const SAFE_TASK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
/** While shutting down the agent gets this long to take a task's files. */
const SHUTDOWN_UPLOAD_MS = 10000;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Serves the agent's work orders until `signal` aborts; resolves once every task has reported its end. */
export async function serveAgent(options: ServeAgentOptions): Promise<void> {
  const { link, host, workDir, backend, logger, signal } = options;
  const running = new Map<string, { task: CoordinatorTask; reported: Promise<void> }>();

  const fail = (taskId: string, reason: string): void => {
    logger.error({ taskId, reason }, 'cannot run the task');
    link.report({ taskId, kind: 'FINISHED', outcome: 'failed', reason });
  };

  async function finish(taskId: string, task: CoordinatorTask, outDir: string): Promise<void> {
    let { outcome, reason } = await task.done;
    const paths = TASK_ARTIFACTS.map((f) => join(outDir, f)).filter((p) => existsSync(p));
    try {
      // Sealing protects the disk; the transfer is the channel's business (TLS), so plaintext goes to the agent.
      const key = options.storageKey;
      const files: FileSource[] = key ? paths.map((p) => ({ name: basename(p), bytes: openSealedFile(p, key) })) : paths;
      if (files.length > 0) await link.uploadArtifacts(taskId, files, signal.aborted ? SHUTDOWN_UPLOAD_MS : undefined);
    } catch (err) {
      outcome = 'failed';
      reason = `could not hand the task's files to the agent: ${message(err)}`;
    }
    logger.info({ taskId, outcome, reason }, 'task finished');
    link.report({ taskId, kind: 'FINISHED', outcome, reason });
  }

  async function run(order: WorkOrder): Promise<void> {
    let config: NodeTaskConfig;
    try {
      config = parseNodeTaskConfig(order.configJson);
      if (config.role !== 'coordinator') throw new ValidationError(`the agent sent a ${config.role} task to a coordinator`);
      if (config.taskId !== order.taskId) throw new ValidationError(`the order names task ${order.taskId} but its configuration names ${config.taskId}`);
      if (!SAFE_TASK_ID.test(config.taskId)) throw new ValidationError(`task id ${JSON.stringify(config.taskId)} must be letters, digits, '.', '_' or '-'`);
    } catch (err) {
      return fail(order.taskId, message(err));
    }
    const { taskId } = config;
    if (running.has(taskId)) {
      // A repeated order (the agent restarted): the task runs already, so say so again.
      logger.warn({ taskId }, 'the agent asked again for a task already running');
      link.report({ taskId, kind: 'STARTED', address: host.address });
      return;
    }
    const outDir = join(workDir, taskId);
    let task: CoordinatorTask;
    try {
      task = await host.run({
        taskId,
        task: config.spec,
        outDir,
        auditor: config.auditor,
        admitted: config.admitted,
        backend,
        logger: logger.child({ taskId }),
        doneGraceMs: options.doneGraceMs,
        storageKey: options.storageKey,
        onRound: (m) => link.report({ taskId, kind: 'ROUND', round: m.round, payloadJson: JSON.stringify(m) }),
      });
    } catch (err) {
      return fail(taskId, message(err));
    }
    link.report({ taskId, kind: 'STARTED', address: host.address });
    const reported = finish(taskId, task, outDir)
      .catch((err: unknown) => logger.error({ taskId, reason: message(err) }, 'could not report the end of the task'))
      .finally(() => running.delete(taskId));
    running.set(taskId, { task, reported });
  }

  async function handle(order: WorkOrder): Promise<void> {
    logger.info({ kind: order.kind, taskId: order.taskId, sequence: order.sequence, reason: order.reason || undefined }, 'work order');
    if (order.kind === 'RUN') return run(order);
    const entry = running.get(order.taskId);
    if (order.kind !== 'UPDATE' && order.kind !== 'CANCEL') {
      logger.warn({ kind: order.kind }, 'unknown work order ignored');
    } else if (!entry) {
      logger.warn({ kind: order.kind, taskId: order.taskId }, 'work order for a task this coordinator does not run');
    } else if (order.kind === 'UPDATE') {
      const config = parseNodeTaskConfig(order.configJson);
      entry.task.admit(config.admitted ?? []);
      logger.info({ taskId: order.taskId, topologyVersion: config.topology.version, admitted: config.admitted?.length ?? 0 }, 'topology updated');
    } else {
      entry.task.stop(order.reason || 'cancelled by the agent');
    }
  }

  try {
    await serveOrders(link, signal, logger, handle);
  } finally {
    // Tasks end with the daemon; each still reports its end before the link closes.
    for (const { task } of running.values()) task.stop('the coordinator was stopped');
    await Promise.all([...running.values()].map((e) => e.reported));
  }
}
