import { formatNode, formatNodeList, nodeJson } from './node-view';
import { formatTopology, topologyJson } from './topology-view';
import { node, topology } from './test-fixtures';

describe('nodeJson', () => {
  it('flattens the attributes, with ISO times and null for what is not there', () => {
    expect(nodeJson(node())).toEqual({
      id: 'data-owner-7201',
      roles: ['data-owner'],
      status: 'online',
      cpus: 4,
      gpus: 0,
      backend: 'wasm',
      freeDiskMb: 20480.4,
      bandwidthMbps: 100,
      maxTasks: 1,
      address: null,
      version: '0.1.0',
      tasks: ['t-1'],
      datasets: [{ name: 'breast-cancer', rows: 190, columns: [{ name: 'radius', numeric: true }] }],
      registeredAt: '2025-01-02T00:00:00.000Z',
      lastSeen: null,
    });
  });

  it('survives a node without attributes', () => {
    expect(nodeJson(node({ attributes: null }))).toMatchObject({ roles: [], cpus: 0, backend: '', address: null });
  });
});

describe('formatNodeList', () => {
  it('prints the columns in order, numbers right-aligned', () => {
    const coordinator = node({
      nodeId: 'coordinator-7000',
      attributes: { roles: ['coordinator'], cpus: 16, gpus: 1, backend: 'tensorflow-gpu', freeDiskMb: -1, bandwidthMbps: 1000, maxTasks: 2, address: '127.0.0.1:7000', version: '0.1.0' },
      datasets: [],
      tasks: [],
    });
    expect(formatNodeList([nodeJson(node()), nodeJson(coordinator)]).split('\n')).toEqual([
      'ID                ROLES        STATUS  CPUS  GPUS  BACKEND         DISK MB  BW Mbps  MAX  TASKS  DATASETS',
      'data-owner-7201   data-owner   online     4     0  wasm              20480      100    1  t-1    breast-cancer(190)',
      'coordinator-7000  coordinator  online    16     1  tensorflow-gpu        -     1000    2  -      -',
      '',
    ]);
  });

  it('says how nodes get there when there is none', () => {
    expect(formatNodeList([])).toMatch(/no nodes registered.*--agent/);
  });

  it('shows one node as key/value lines', () => {
    const text = formatNode(nodeJson(node()));
    expect(text).toMatch(/^node +data-owner-7201$/m);
    expect(text).toMatch(/^bandwidth Mbps +100$/m);
    expect(text).toMatch(/^datasets +breast-cancer\(190\)$/m);
  });
});

describe('topology views', () => {
  it('converts to JSON with ISO times and null for empty address and reason', () => {
    const json = topologyJson(topology());
    expect(json.nodes[1]).toEqual({ id: 'alice', role: 'data-owner', address: null, state: 'dropped' });
    expect(json.history[0]).toEqual({ time: '2025-01-02T00:00:00.000Z', version: 1, change: 'built', nodeId: '', reason: null });
    expect(json.links).toEqual([{ from: 'alice', to: 'coordinator-7000', kind: 'updates' }]);
  });

  it('prints shape, nodes, links and changes', () => {
    const text = formatTopology(topologyJson(topology()));
    expect(text).toMatch(/^task t-1: star topology, version 2$/m);
    expect(text).toMatch(/^coordinator-7000 +coordinator +127\.0\.0\.1:7000 +active$/m);
    expect(text).toMatch(/^alice +→ +coordinator-7000 +updates$/m);
    expect(text).toMatch(/^2025-01-02T00:01:00Z +2 +dropped +alice +missed heartbeats$/m);
  });
});
