/**
 * A long-running coordinator that serves several tasks on one port (agent mode): one gRPC
 * server whose calls are routed to each task's handlers by the task id they name.
 */
import { NotFoundError, ValidationError, type Logger } from '@fmls/core';
import { addCoordinatorService, startServer, type CoordinatorHandlers, type HostPort, type TlsCredentials } from '@fmls/wire';
import { createCoordinatorTask, newTaskId, type CoordinatorTask, type CoordinatorTaskOptions } from './coordinator-task';
import { routingHandlers } from './task-router';

export interface CoordinatorHostOptions {
  /** Port 0 picks a free port; `address` then has the real one. */
  listen: HostPort;
  logger: Logger;
  /** This node's TLS identity: the server and every task's outgoing connections use it. Default: plaintext. */
  tls?: TlsCredentials;
}

export interface CoordinatorHost {
  /** The bound HOST:PORT. */
  address: string;
  /** Builds and starts a task; its calls are served until its `done` resolves. */
  run(options: CoordinatorTaskOptions): Promise<CoordinatorTask>;
  /** Ids of the tasks served now (and those starting). */
  tasks(): string[];
  /** Stops every task still running, waits for each to end, then stops the server. */
  shutdown(): Promise<void>;
}

export async function startCoordinatorHost(options: CoordinatorHostOptions): Promise<CoordinatorHost> {
  const { logger } = options;
  const served = new Map<string, CoordinatorTask>();
  const starting = new Set<string>();
  let closing = false;

  const lookup = (taskId: string): CoordinatorHandlers => {
    // A caller that names no task means the only one, as a direct-mode coordinator would.
    const task = taskId === '' && served.size === 1 ? [...served.values()][0] : served.get(taskId);
    if (!task) {
      throw new NotFoundError(`task ${taskId || '(none named)'} is not served by this coordinator`, { fix: 'ask the agent which coordinator serves the task' });
    }
    return task.handlers;
  };

  const server = await startServer(options.listen, (s) => addCoordinatorService(s, routingHandlers(lookup)), options.tls);
  logger.info({ address: server.address }, 'listening');

  return {
    address: server.address,

    async run(taskOptions) {
      const taskId = taskOptions.taskId ?? newTaskId();
      if (closing) throw new ValidationError(`task ${taskId} cannot start: the coordinator is shutting down`);
      if (served.has(taskId) || starting.has(taskId)) throw new ValidationError(`task ${taskId} is already served by this coordinator`);
      starting.add(taskId);
      try {
        const task = await createCoordinatorTask({ tls: options.tls, ...taskOptions, taskId });
        served.set(taskId, task);
        const remove = (): void => {
          served.delete(taskId);
        };
        task.done.then(remove, remove);
        logger.info({ taskId }, 'task started');
        return task;
      } finally {
        starting.delete(taskId);
      }
    },

    tasks: () => [...served.keys(), ...starting],

    async shutdown() {
      closing = true;
      const tasks = [...served.values()];
      for (const task of tasks) task.stop('the coordinator is shutting down');
      await Promise.allSettled(tasks.map((t) => t.done));
      await server.shutdown(1000);
    },
  };
}
