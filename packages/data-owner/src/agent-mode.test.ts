import { createLogger } from '@fmls/core';
import type { TaskReportInput, WorkOrder } from '@fmls/wire';
import { serveAgent, type DataOwnerLink } from './agent-mode';
import type { DataOwnerOptions, runDataOwner } from './data-owner';

const logger = createLogger({ name: 'agent-mode-test', level: 'silent' });

type RunResult = Awaited<ReturnType<typeof runDataOwner>>;

/** A link that hands out queued orders, then waits until the test's signal aborts. */
class FakeLink implements DataOwnerLink {
  readonly nodeId = 'hospital-a';
  readonly reports: Array<Omit<TaskReportInput, 'nodeId' | 'nodeToken'>> = [];
  private readonly orders: WorkOrder[] = [];
  private wake: (() => void) | undefined;

  push(kind: WorkOrder['kind'], taskId: string, config?: object, reason = ''): void {
    this.orders.push({ kind, taskId, configJson: config ? JSON.stringify(config) : '', reason, sequence: this.orders.length + 1 });
    this.wake?.();
  }

  async nextOrder(signal: AbortSignal): Promise<WorkOrder | undefined> {
    while (this.orders.length === 0) {
      if (signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return this.orders.shift();
  }

  report(report: Omit<TaskReportInput, 'nodeId' | 'nodeToken'>): void {
    this.reports.push(report);
  }

  finished(taskId: string): Omit<TaskReportInput, 'nodeId' | 'nodeToken'> | undefined {
    return this.reports.find((r) => r.taskId === taskId && r.kind === 'FINISHED');
  }
}

function config(taskId: string, fields: Record<string, unknown> = {}): object {
  return {
    taskId,
    role: 'data-owner',
    spec: { model: { type: 'logistic-regression' }, data: { label: 'label' } },
    topology: { version: 1, shape: 'star', nodes: [{ nodeId: 'hospital-a', role: 'data-owner', address: '', state: 'active' }], links: [] },
    coordinator: '127.0.0.1:7000',
    dataset: 'bc',
    credential: 'secret',
    ...fields,
  };
}

/** A fake runDataOwner: records its calls, reports one round, and ends when the test says or when aborted. */
function fakeRun() {
  const calls: Array<{ options: DataOwnerOptions; signal: AbortSignal; end: (r: RunResult | Error) => void }> = [];
  const run = (options: DataOwnerOptions, signal?: AbortSignal): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      const s = signal ?? new AbortController().signal;
      const end = (r: RunResult | Error): void => (r instanceof Error ? reject(r) : resolve(r));
      calls.push({ options, signal: s, end });
      options.onRound?.({ round: 1, commSeconds: 0.5, trainSeconds: 2, bytesSent: 40, bytesReceived: 40 });
      s.addEventListener('abort', () => resolve({ outcome: 'stopped', reason: 'stopped by signal', rounds: 1 }), { once: true });
    });
  return { calls, run };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let stop: AbortController;
let link: FakeLink;
beforeEach(() => {
  stop = new AbortController();
  link = new FakeLink();
});
afterEach(() => stop.abort());

function serve(run: typeof runDataOwner) {
  return serveAgent({ link, datasets: new Map([['bc', '/data/bc.csv']]), backend: 'cpu', logger, signal: stop.signal, run, stopGraceMs: 200 });
}

describe('serveAgent (data owner)', () => {
  it('runs an ordered task on the named dataset with its credential, reports rounds and the end', async () => {
    const fake = fakeRun();
    const agent = serve(fake.run);
    link.push('RUN', 't1', config('t1'));
    await flush();
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0].options).toMatchObject({ coordinator: '127.0.0.1:7000', id: 'hospital-a', dataCsv: '/data/bc.csv', taskId: 't1', credential: 'secret' });
    expect(agent.runningTasks()).toEqual(['t1']);
    expect(link.reports[0]).toMatchObject({ taskId: 't1', kind: 'NODE_ROUND', round: 1 });
    expect(JSON.parse(String(link.reports[0].payloadJson))).toMatchObject({ commSeconds: 0.5, bytesSent: 40 });
    fake.calls[0].end({ outcome: 'succeeded', reason: 'target reached', rounds: 3 });
    await flush();
    expect(link.finished('t1')).toMatchObject({ outcome: 'succeeded', reason: 'target reached' });
    expect(agent.runningTasks()).toEqual([]);
  });

  it('refuses a task on a dataset it does not offer, or with a broken configuration, and carries on', async () => {
    const fake = fakeRun();
    serve(fake.run);
    link.push('RUN', 't1', config('t1', { dataset: 'other' }));
    link.push('RUN', 't2', { nope: true });
    link.push('RUN', 't3', config('t3'));
    await flush();
    expect(link.finished('t1')).toMatchObject({ outcome: 'failed', reason: 'dataset other is not offered by this node' });
    expect(link.finished('t2')).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/task configuration from the agent is invalid/) });
    expect(fake.calls.map((c) => c.options.taskId)).toEqual(['t3']);
  });

  it('survives a failing task and runs several at once', async () => {
    const fake = fakeRun();
    const agent = serve(fake.run);
    link.push('RUN', 't1', config('t1'));
    link.push('RUN', 't2', config('t2'));
    await flush();
    expect(agent.runningTasks().sort()).toEqual(['t1', 't2']);
    fake.calls[0].end(new Error('coordinator lost'));
    await flush();
    expect(link.finished('t1')).toMatchObject({ outcome: 'failed', reason: 'coordinator lost' });
    expect(agent.runningTasks()).toEqual(['t2']);
  });

  it('stops a task on CANCEL and when an update shows this node dropped, not for other updates', async () => {
    const fake = fakeRun();
    serve(fake.run);
    link.push('RUN', 't1', config('t1'));
    link.push('RUN', 't2', config('t2'));
    link.push('CANCEL', 't1', undefined, 'user asked');
    await flush();
    expect(fake.calls[0].signal.aborted).toBe(true);
    expect(link.finished('t1')).toMatchObject({ outcome: 'failed', reason: 'cancelled by the agent: user asked' });
    const topology = (state: string, version: number) => ({ version, shape: 'star', nodes: [{ nodeId: 'hospital-a', role: 'data-owner', address: '', state }], links: [] });
    link.push('UPDATE', 't2', config('t2', { topology: topology('active', 2) }));
    await flush();
    expect(fake.calls[1].signal.aborted).toBe(false);
    link.push('UPDATE', 't2', config('t2', { topology: topology('dropped', 3) }), 'too slow');
    await flush();
    expect(fake.calls[1].signal.aborted).toBe(true);
    expect(link.finished('t2')).toMatchObject({ outcome: 'failed', reason: 'dropped from the task: too slow' });
  });

  it('does not start a task twice when its order is sent again', async () => {
    const fake = fakeRun();
    serve(fake.run);
    link.push('RUN', 't1', config('t1'));
    link.push('RUN', 't1', config('t1'));
    await flush();
    expect(fake.calls).toHaveLength(1);
  });

  it('on stop, aborts the running tasks and reports them finished', async () => {
    const fake = fakeRun();
    const agent = serve(fake.run);
    link.push('RUN', 't1', config('t1'));
    await flush();
    stop.abort();
    await agent.done;
    expect(fake.calls[0].signal.aborted).toBe(true);
    expect(link.finished('t1')).toMatchObject({ outcome: 'failed', reason: 'the node is stopping' });
  });
});
