/**
 * The service topology of a task (M-8.4): a star, every data owner linked to the one
 * coordinator for updates, and every node linked to the auditor for audit events.
 */
import type { TopologyView } from '@fmls/core';
import type { TaskRecord } from './records';

export function topologyView(task: TaskRecord, addressOf: (nodeId: string) => string): TopologyView {
  const nodes = task.members.map((m) => ({ nodeId: m.nodeId, role: m.role, address: m.role === 'data-owner' ? '' : addressOf(m.nodeId), state: m.state }));
  const coordinator = task.members.find((m) => m.role === 'coordinator');
  const auditor = task.members.find((m) => m.role === 'auditor');
  const links: TopologyView['links'] = [];
  for (const m of task.members) {
    if (m.state !== 'active') continue;
    if (m.role === 'data-owner' && coordinator) links.push({ from: m.nodeId, to: coordinator.nodeId, kind: 'updates' });
    if (auditor && m.role !== 'auditor') links.push({ from: m.nodeId, to: auditor.nodeId, kind: 'audit' });
  }
  return { version: task.topologyVersion, shape: 'star', nodes, links };
}
