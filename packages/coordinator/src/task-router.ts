/**
 * Coordinator handlers that hand every call to the handlers of the task it names, so one
 * server can serve several tasks. Every method is async: a lookup that throws must become
 * a status on the call, never an exception thrown into the servicer.
 */
import type { CoordinatorHandlers } from '@fmls/wire';

/** Finds a task's handlers by id, or throws (NotFoundError). */
export type TaskLookup = (taskId: string) => CoordinatorHandlers;

export function routingHandlers(lookup: TaskLookup): CoordinatorHandlers {
  return {
    getTask: async (req) => lookup(req.taskId).getTask(req),
    join: async (req) => lookup(req.taskId).join(req),
    leave: async (req) => lookup(req.taskId).leave(req),
    heartbeat: async (req) => lookup(req.taskId).heartbeat(req),
    awaitAssignment: async (req, cancelled) => lookup(req.taskId).awaitAssignment(req, cancelled),
    downloadModel: async (req) => lookup(req.taskId).downloadModel(req),
    async uploadUpdate(parts, cancelled) {
      // Only the header names the task, so read it here and give it back to the task's intake.
      const iterator = parts[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || !first.value.header) return { accepted: false, reason: 'the stream must start with an update header' };
      return lookup(first.value.header.taskId).uploadUpdate(prepend(first.value, iterator), cancelled);
    },
  };
}

/** `first`, then whatever `rest` still yields. */
export async function* prepend<T>(first: T, rest: AsyncIterator<T>): AsyncGenerator<T, void, undefined> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
