/** Nodes as `fmls nodes list|set` show them: one JSON conversion, a table and a one-node page. */
import type { NodeInfo } from '@fmls/wire';
import { isoTime } from './task-json';
import { formatPairs, formatTable, orDash, shortTime, type Column } from './table';

export interface NodeJson {
  id: string;
  roles: string[];
  status: string;
  cpus: number;
  gpus: number;
  backend: string;
  freeDiskMb: number;
  bandwidthMbps: number;
  maxTasks: number;
  address: string | null;
  version: string;
  tasks: string[];
  datasets: Array<{ name: string; rows: number; columns: Array<{ name: string; numeric: boolean }> }>;
  registeredAt: string | null;
  lastSeen: string | null;
}

export function nodeJson(n: NodeInfo): NodeJson {
  const a = n.attributes;
  return {
    id: n.nodeId,
    roles: a ? [...a.roles] : [],
    status: n.status,
    cpus: a?.cpus ?? 0,
    gpus: a?.gpus ?? 0,
    backend: a?.backend ?? '',
    freeDiskMb: a?.freeDiskMb ?? 0,
    bandwidthMbps: a?.bandwidthMbps ?? 0,
    maxTasks: a?.maxTasks ?? 0,
    address: a?.address ? a.address : null,
    version: a?.version ?? '',
    tasks: [...n.tasks],
    datasets: n.datasets.map((d) => ({ name: d.name, rows: Number(d.rows), columns: d.columns.map((c) => ({ name: c.name, numeric: c.numeric })) })),
    registeredAt: isoTime(n.registeredAtMs),
    lastSeen: isoTime(n.lastSeenMs),
  };
}

/** Free disk is measured (negative: not measured), so whole megabytes are enough. */
function diskText(mb: number): string {
  return mb < 0 ? '-' : String(Math.round(mb));
}

export function datasetsText(n: NodeJson): string {
  return orDash(n.datasets.map((d) => `${d.name}(${d.rows})`).join(','));
}

const COLUMNS: ReadonlyArray<Column<NodeJson>> = [
  { header: 'ID', cell: (n) => n.id },
  { header: 'ROLES', cell: (n) => orDash(n.roles.join(',')) },
  { header: 'STATUS', cell: (n) => n.status },
  { header: 'CPUS', cell: (n) => String(n.cpus), right: true },
  { header: 'GPUS', cell: (n) => String(n.gpus), right: true },
  { header: 'BACKEND', cell: (n) => orDash(n.backend) },
  { header: 'DISK MB', cell: (n) => diskText(n.freeDiskMb), right: true },
  { header: 'BW Mbps', cell: (n) => String(n.bandwidthMbps), right: true },
  { header: 'MAX', cell: (n) => String(n.maxTasks), right: true },
  { header: 'TASKS', cell: (n) => orDash(n.tasks.join(',')) },
  { header: 'DATASETS', cell: datasetsText },
];

export function formatNodeList(nodes: readonly NodeJson[]): string {
  return nodes.length === 0 ? 'no nodes registered (start daemons with --agent HOST:PORT)\n' : formatTable(COLUMNS, nodes);
}

export function formatNode(n: NodeJson): string {
  return formatPairs([
    ['node', n.id],
    ['roles', orDash(n.roles.join(', '))],
    ['status', n.status],
    ['address', orDash(n.address)],
    ['cpus', String(n.cpus)],
    ['gpus', String(n.gpus)],
    ['backend', orDash(n.backend)],
    ['free disk MB', diskText(n.freeDiskMb)],
    ['bandwidth Mbps', String(n.bandwidthMbps)],
    ['max tasks', String(n.maxTasks)],
    ['tasks', orDash(n.tasks.join(', '))],
    ['datasets', datasetsText(n)],
    ['version', orDash(n.version)],
    ['registered', shortTime(n.registeredAt)],
    ['last seen', shortTime(n.lastSeen)],
  ]);
}
