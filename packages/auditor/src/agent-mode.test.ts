import { createLogger } from '@fmls/core';
import type { WorkOrder } from '@fmls/wire';
import { serveAgent, type AuditorLink } from './agent-mode';

/** Hands out the given orders, then waits for the signal. */
function fakeLink(orders: WorkOrder[]): AuditorLink {
  return {
    nextOrder: async (signal) => {
      const next = orders.shift();
      if (next) return next;
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return undefined;
    },
  };
}

function order(kind: WorkOrder['kind'], taskId: string, version?: number): WorkOrder {
  const config = version === undefined ? '' : JSON.stringify({
    taskId,
    role: 'auditor',
    spec: { model: { type: 'logistic-regression' }, data: { label: 'label' } },
    topology: { version, shape: 'star', nodes: [], links: [] },
  });
  return { kind, taskId, configJson: config, reason: kind === 'CANCEL' ? 'user asked' : '', sequence: 1 };
}

/** A logger that keeps its lines' messages. */
function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ name: 'auditor-agent-test', level: 'info', format: 'json' });
  for (const level of ['info', 'warn', 'error'] as const) {
    jest.spyOn(logger, level).mockImplementation(((...args: unknown[]) => {
      lines.push(String(args.find((a) => typeof a === 'string') ?? ''));
    }) as never);
  }
  return { logger, lines };
}

describe('serveAgent (auditor)', () => {
  it('logs each order, keeps the tasks it audits, and forgets a cancelled one', async () => {
    const { logger, lines } = recordingLogger();
    const stop = new AbortController();
    const agent = serveAgent({ link: fakeLink([order('RUN', 't1', 1), order('RUN', 't2', 1), order('UPDATE', 't1', 2), order('CANCEL', 't2'), order('RUN', 't3')]), logger, signal: stop.signal });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([
      'auditing task t1, topology v1',
      'auditing task t2, topology v1',
      'auditing task t1, topology v2',
      'task t2 cancelled: user asked',
      'task t3: task configuration from the agent is not JSON',
      'auditing task t3, topology unknown',
    ]);
    expect(agent.runningTasks()).toEqual(['t1', 't3']);
    stop.abort();
    await expect(agent.done).resolves.toBeUndefined();
  });
});
