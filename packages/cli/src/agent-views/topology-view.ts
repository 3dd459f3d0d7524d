/** A task's topology as `fmls topology show` prints it: JSON, or nodes, links and changes. */
import type { Topology } from '@fmls/wire';
import { isoTime } from './task-json';
import { formatTable, orDash, shortTime, type Column } from './table';

export interface TopologyJson {
  taskId: string;
  version: number;
  shape: string;
  nodes: Array<{ id: string; role: string; address: string | null; state: string }>;
  links: Array<{ from: string; to: string; kind: string }>;
  history: Array<{ time: string | null; version: number; change: string; nodeId: string; reason: string | null }>;
}

export function topologyJson(t: Topology): TopologyJson {
  return {
    taskId: t.taskId,
    version: t.version,
    shape: t.shape,
    nodes: t.nodes.map((n) => ({ id: n.nodeId, role: n.role, address: n.address || null, state: n.state })),
    links: t.links.map((l) => ({ from: l.from, to: l.to, kind: l.kind })),
    history: t.history.map((h) => ({ time: isoTime(h.timeMs), version: h.version, change: h.change, nodeId: h.nodeId, reason: h.reason || null })),
  };
}

type NodeRow = TopologyJson['nodes'][number];
type LinkRow = TopologyJson['links'][number];
type ChangeRow = TopologyJson['history'][number];

const NODES: ReadonlyArray<Column<NodeRow>> = [
  { header: 'NODE', cell: (n) => n.id },
  { header: 'ROLE', cell: (n) => n.role },
  { header: 'ADDRESS', cell: (n) => orDash(n.address) },
  { header: 'STATE', cell: (n) => n.state },
];

const LINKS: ReadonlyArray<Column<LinkRow>> = [
  { header: 'FROM', cell: (l) => l.from },
  { header: '', cell: () => '→' },
  { header: 'TO', cell: (l) => l.to },
  { header: 'KIND', cell: (l) => l.kind },
];

const CHANGES: ReadonlyArray<Column<ChangeRow>> = [
  { header: 'TIME', cell: (h) => shortTime(h.time) },
  { header: 'VERSION', cell: (h) => String(h.version), right: true },
  { header: 'CHANGE', cell: (h) => h.change },
  { header: 'NODE', cell: (h) => orDash(h.nodeId) },
  { header: 'REASON', cell: (h) => orDash(h.reason) },
];

function section<R>(title: string, columns: ReadonlyArray<Column<R>>, rows: readonly R[]): string {
  return `\n${title}\n${rows.length > 0 ? formatTable(columns, rows) : '(none)\n'}`;
}

export function formatTopology(t: TopologyJson): string {
  return (
    `task ${t.taskId}: ${orDash(t.shape)} topology, version ${t.version}\n` +
    section('nodes', NODES, t.nodes) +
    section('links', LINKS, t.links) +
    section('changes', CHANGES, t.history)
  );
}
