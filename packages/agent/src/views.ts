/** Agent records as the I1 messages service clients see. */
import type { NodeInfoInput, TaskStatusInput, TopologyInput } from '@fmls/wire';
import { effectiveAttrs, type LiveNode } from './node-registry';
import type { TaskRecord } from './records';
import { taskDetails } from './task-tallies';
import { topologyView } from './topology';

export function taskStatus(task: TaskRecord, details: boolean): TaskStatusInput {
  return {
    id: task.id,
    name: task.name,
    state: task.state,
    priority: task.priority,
    type: task.spec.type,
    dataset: task.spec.dataset ?? '',
    submittedAtMs: task.submittedAt,
    startedAtMs: task.startedAt,
    finishedAtMs: task.finishedAt,
    round: task.round,
    rounds: task.spec.aggregation.rounds,
    metricsJson: JSON.stringify(task.metrics),
    participants: task.participants,
    waitingFor: task.waitingFor,
    reason: task.reason,
    detailsJson: details ? JSON.stringify(taskDetails(task)) : '',
  };
}

export function nodeInfo(node: LiveNode, tasks: string[]): NodeInfoInput {
  const r = node.record;
  return {
    nodeId: r.id,
    attributes: effectiveAttrs(r),
    datasets: r.datasets,
    status: node.online ? 'online' : 'lost',
    tasks,
    registeredAtMs: r.registeredAt,
    lastSeenMs: r.lastSeen,
  };
}

export function topologyMessage(task: TaskRecord, addressOf: (id: string) => string): TopologyInput {
  const view = topologyView(task, addressOf);
  return {
    taskId: task.id,
    version: view.version,
    shape: view.shape,
    nodes: view.nodes,
    links: view.links,
    history: task.topologyHistory.map((h) => ({ timeMs: h.time, version: h.version, change: h.change, nodeId: h.nodeId, reason: h.reason })),
  };
}
