import { parseTaskSpec, type TaskSpecInput } from '@fmls/core';
import { place, standby, submitProblem, type NodeView } from './admission';
import { byPriorityThenAge } from './queue-order';

const columns = ['a', 'b', 'y'].map((name) => ({ name, numeric: true }));

function owner(id: string, extra: Partial<NodeView> = {}, attrs: Partial<NodeView['attrs']> = {}): NodeView {
  return {
    id,
    online: true,
    load: 0,
    datasets: [{ name: 'bc', columns, rows: 100 }],
    attrs: { roles: ['data-owner'], cpus: 2, gpus: 0, backend: 'wasm', freeDiskMb: 1000, bandwidthMbps: 100, maxTasks: 1, address: '', version: '0.1.0', ...attrs },
    ...extra,
  };
}

function server(id: string, role: 'coordinator' | 'auditor', extra: Partial<NodeView> = {}): NodeView {
  return { ...owner(id, extra, { roles: [role], address: '127.0.0.1:1' }), datasets: [] };
}

function spec(extra: Partial<TaskSpecInput> = {}) {
  return parseTaskSpec({ model: { type: 'logistic-regression' }, data: { label: 'y' }, dataset: 'bc', ...extra });
}

const cluster = (): NodeView[] => [server('c1', 'coordinator'), server('au', 'auditor'), owner('d1'), owner('d2'), owner('d3')];

describe('submitProblem', () => {
  it('accepts a task the registered nodes can serve', () => {
    expect(submitProblem(spec(), cluster())).toBeUndefined();
  });

  it('refuses an unknown dataset, listing what is offered', () => {
    expect(submitProblem(spec({ dataset: 'nope' }), cluster())).toMatch(/unknown dataset nope.*offered: bc/);
  });

  it('refuses a task without a dataset', () => {
    expect(submitProblem(spec({ dataset: undefined }), cluster())).toMatch(/names no dataset/);
  });

  it('refuses more data owners than exist, and requirements no node meets', () => {
    expect(submitProblem(spec({ requirements: { minDataOwners: 4 } }), cluster())).toMatch(/needs 4 data owners.*only 3 of the 3/);
    expect(submitProblem(spec({ requirements: { gpus: 1 } }), cluster())).toMatch(/has 0 GPUs, needs 1/);
  });

  it('refuses a label or feature the dataset lacks', () => {
    expect(submitProblem(spec({ data: { label: 'z' } }), cluster())).toMatch(/no label column z/);
    expect(submitProblem(spec({ data: { label: 'y', features: ['a', 'q'] } }), cluster())).toMatch(/no feature column q/);
  });

  it('counts offline and busy data owners as existing (the task can wait for them)', () => {
    const nodes = cluster().map((n) => (n.id === 'd1' ? { ...n, online: false } : n.id === 'd2' ? { ...n, load: 1 } : n));
    expect(submitProblem(spec({ requirements: { minDataOwners: 3 } }), nodes)).toBeUndefined();
  });
});

describe('place', () => {
  it('picks the coordinator, the auditor and every eligible free data owner', () => {
    expect(place(spec(), cluster())).toEqual({ placement: { coordinator: 'c1', auditor: 'au', dataOwners: ['d1', 'd2', 'd3'] } });
  });

  it('respects maxDataOwners and leaves the rest as standby', () => {
    const s = spec({ requirements: { maxDataOwners: 2 } });
    expect(place(s, cluster())).toMatchObject({ placement: { dataOwners: ['d1', 'd2'] } });
    expect(standby(s, cluster(), new Set(['d1', 'd2']))).toBe('d3');
    expect(standby(s, cluster(), new Set(['d1', 'd2', 'd3']))).toBeUndefined();
  });

  it('says what a task waits for', () => {
    const busy = cluster().map((n) => (n.id === 'd1' || n.id === 'd2' ? { ...n, load: 1 } : n));
    expect(place(spec(), busy)).toEqual({ waitingFor: '2 free data owners offering bc (1 free, 2 busy, 0 offline)' });
    const noCoordinator = cluster().filter((n) => n.id !== 'c1');
    expect(place(spec(), noCoordinator)).toEqual({ waitingFor: 'a coordinator to register' });
    const auditorBusy = cluster().map((n) => (n.id === 'au' ? { ...n, load: 1 } : n));
    expect(place(spec(), auditorBusy)).toEqual({ waitingFor: 'a free auditor (all busy or offline)' });
  });

  it('lets a node with max_tasks 2 serve two tasks', () => {
    const nodes = cluster().map((n) => ({ ...n, load: 1, attrs: { ...n.attrs, maxTasks: 2 } }));
    expect('placement' in place(spec(), nodes)).toBe(true);
  });

  it('drops data owners below the disk or bandwidth requirement', () => {
    const nodes = cluster().map((n) => (n.id === 'd3' ? { ...n, attrs: { ...n.attrs, freeDiskMb: 5 } } : n));
    expect(place(spec({ requirements: { minFreeDiskMb: 10 } }), nodes)).toMatchObject({ placement: { dataOwners: ['d1', 'd2'] } });
    expect(place(spec({ requirements: { minBandwidthMbps: 1000 } }), nodes)).toMatchObject({ waitingFor: expect.stringMatching(/^2 free data owners/) });
  });
});

describe('queue order', () => {
  it('is priority first, then age', () => {
    const q = [
      { id: 'a', priority: 'low' as const, submittedAt: 1 },
      { id: 'b', priority: 'medium' as const, submittedAt: 2 },
      { id: 'c', priority: 'high' as const, submittedAt: 3 },
      { id: 'd', priority: 'high' as const, submittedAt: 0 },
    ];
    expect(q.sort(byPriorityThenAge).map((t) => t.id)).toEqual(['d', 'c', 'b', 'a']);
  });
});
