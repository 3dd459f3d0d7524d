/**
 * The coordinator daemon in direct mode: validates its inputs, listens, runs one
 * task to the end, writes the result and stops. `done` resolves with the outcome.
 */
import { addCoordinatorService, startServer, type HostPort, type RunningServer } from '@fmls/wire';
import type { AdmittedNode } from './admission';
import { prepareCoordinatorTask, type CoordinatorTaskOptions, type TaskOutcome } from './coordinator-task';

export interface CoordinatorOptions extends CoordinatorTaskOptions {
  listen: HostPort;
}

export interface RunningCoordinator {
  address: string;
  taskId: string;
  /** Resolves once the task is over, data owners were told and the server has stopped. */
  done: Promise<TaskOutcome>;
  /** Stops early (SIGINT): the task is marked failed and data owners are told. */
  stop(reason: string): void;
  /** Replaces the admitted list (see CoordinatorTask.admit). */
  admit(admitted: readonly AdmittedNode[]): void;
}

export async function startCoordinator(options: CoordinatorOptions): Promise<RunningCoordinator> {
  // Inputs first, before any connection is made.
  const prepared = await prepareCoordinatorTask(options);
  let server: RunningServer;
  try {
    server = await startServer(options.listen, (s) => addCoordinatorService(s, prepared.handlers), options.tls);
  } catch (err) {
    prepared.discard();
    throw err;
  }
  options.logger.info({ address: server.address, taskId: prepared.taskId, backend: prepared.backend.name }, 'listening');
  const task = prepared.start();
  const done = task.done.then(async (result) => {
    await server.shutdown(1000);
    return result;
  });
  return { address: server.address, taskId: task.taskId, done, stop: task.stop, admit: task.admit };
}
