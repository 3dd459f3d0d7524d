/** Messages as the agent sends them, for the view tests. */
import type { TaskDetails } from '@fmls/core';
import type { NodeInfo, TaskStatus, Topology } from '@fmls/wire';

export function status(over: Partial<TaskStatus> = {}): TaskStatus {
  return {
    id: 't-1',
    name: 'bc',
    state: 'running',
    priority: 'high',
    type: 'tabular-classification',
    dataset: 'breast-cancer',
    submittedAtMs: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
    startedAtMs: 0,
    finishedAtMs: 0,
    round: 3,
    rounds: 20,
    metricsJson: '{"round":3,"loss":0.25,"accuracy":0.9,"metricsSource":"test"}',
    participants: ['alice', 'bob'],
    waitingFor: '',
    reason: '',
    detailsJson: '',
    ...over,
  };
}

export const DETAILS: TaskDetails = {
  rounds: 3,
  durationS: 12.5,
  bytesMoved: 2048,
  communication: [{ nodeId: 'alice', rounds: 3, meanS: 0.2, varianceS2: 0.01, bytesSent: 1024, bytesReceived: 1024, trainSeconds: 4 }],
  contributions: [{ nodeId: 'alice', rounds: 3, samples: 100, weightShare: 0.5, score: 0.5 }],
  history: [{ time: '2025-01-02T03:04:05.678Z', event: 'submitted', detail: '' }],
};

export function node(over: Partial<NodeInfo> = {}): NodeInfo {
  return {
    nodeId: 'data-owner-7201',
    attributes: { roles: ['data-owner'], cpus: 4, gpus: 0, backend: 'wasm', freeDiskMb: 20480.4, bandwidthMbps: 100, maxTasks: 1, address: '', version: '0.1.0' },
    datasets: [{ name: 'breast-cancer', rows: 190, columns: [{ name: 'radius', numeric: true }] }],
    status: 'online',
    tasks: ['t-1'],
    registeredAtMs: Date.UTC(2025, 0, 2),
    lastSeenMs: 0,
    ...over,
  };
}

export function topology(): Topology {
  return {
    taskId: 't-1',
    version: 2,
    shape: 'star',
    nodes: [
      { nodeId: 'coordinator-7000', role: 'coordinator', address: '127.0.0.1:7000', state: 'active' },
      { nodeId: 'alice', role: 'data-owner', address: '', state: 'dropped' },
    ],
    links: [{ from: 'alice', to: 'coordinator-7000', kind: 'updates' }],
    history: [
      { timeMs: Date.UTC(2025, 0, 2), version: 1, change: 'built', nodeId: '', reason: '' },
      { timeMs: Date.UTC(2025, 0, 2, 0, 1), version: 2, change: 'dropped', nodeId: 'alice', reason: 'missed heartbeats' },
    ],
  };
}
