/**
 * The auditor as a node of an FMLMS agent (I2). One auditor records the events of every
 * task that names it and needs no per-task set-up, so work orders are only acknowledged
 * (by taking them) and logged, which keeps the operator's view of what it serves.
 */
import { parseNodeTaskConfig, type Logger } from '@fmls/core';
import { serveOrders, type AgentLink, type WorkOrder } from '@fmls/wire';

/** What the auditor needs of the link (an AgentLink, or a fake in tests). */
export type AuditorLink = Pick<AgentLink, 'nextOrder'>;

/** Options of {@link serveAgent}. */
export interface AuditorAgentOptions {
  link: AuditorLink;
  logger: Logger;
  /** Stops taking orders. */
  signal: AbortSignal;
}

/** A running auditor node: the tasks it was told about and not told to forget. */
export interface AuditorAgent {
  /** Tasks ordered to this auditor and not cancelled (what the link reports when it registers again). */
  runningTasks(): string[];
  /** Settles once `signal` aborted; never rejects. */
  done: Promise<void>;
}

/**
 * Tasks remembered for re-registration. Tasks end without an order to the auditor, so
 * old ones are forgotten first; the agent only asks about tasks it still runs.
 */
const MAX_TASKS = 10000;

/** Consumes work orders until `signal` aborts. */
export function serveAgent(options: AuditorAgentOptions): AuditorAgent {
  const { link, logger, signal } = options;
  const tasks = new Set<string>();

  const describe = (order: WorkOrder): string => {
    try {
      return `topology v${parseNodeTaskConfig(order.configJson).topology.version}`;
    } catch (err) {
      // The auditor acts on no configuration field, so a bad one is worth a warning only.
      logger.warn({ taskId: order.taskId }, `task ${order.taskId}: ${(err as Error).message}`);
      return 'topology unknown';
    }
  };

  const handle = (order: WorkOrder): void => {
    switch (order.kind) {
      case 'RUN':
      case 'UPDATE':
        tasks.delete(order.taskId); // re-added last, so the set stays in order of recent use
        tasks.add(order.taskId);
        if (tasks.size > MAX_TASKS) tasks.delete(tasks.values().next().value as string);
        logger.info({ taskId: order.taskId, order: order.kind }, `auditing task ${order.taskId}, ${describe(order)}`);
        return;
      case 'CANCEL':
        tasks.delete(order.taskId);
        logger.info({ taskId: order.taskId }, `task ${order.taskId} cancelled${order.reason ? `: ${order.reason}` : ''}`);
        return;
      default:
        return;
    }
  };

  const loop = (): Promise<void> => serveOrders(link, signal, logger, handle);

  return {
    runningTasks: () => [...tasks],
    done: loop().catch((err: unknown) => logger.error(`agent work loop failed: ${(err as Error).message}`)),
  };
}
