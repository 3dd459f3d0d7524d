/**
 * Which nodes may serve a task (M-8.2): data owners that hold the requested dataset with
 * the task's columns and meet its resource requirements, one coordinator and, when any
 * is registered, one auditor — each with spare capacity. Pure functions of the node list.
 */
import type { TaskSpec } from '@fmls/core';
import type { DatasetMeta, NodeAttrs } from './records';

export interface NodeView {
  id: string;
  online: boolean;
  attrs: NodeAttrs;
  datasets: DatasetMeta[];
  /** Tasks it serves now. */
  load: number;
}

export interface Placement {
  coordinator: string;
  auditor?: string;
  dataOwners: string[];
}

function minDataOwners(spec: TaskSpec): number {
  return spec.requirements.minDataOwners ?? spec.aggregation.minClients;
}

function free(n: NodeView): boolean {
  return n.online && n.load < n.attrs.maxTasks;
}

/** Why the dataset as offered cannot serve the task's columns, or undefined. */
function datasetProblem(spec: TaskSpec, d: DatasetMeta): string | undefined {
  const cols = new Map(d.columns.map((c) => [c.name, c.numeric]));
  if (!cols.has(spec.data.label)) return `dataset ${d.name} has no label column ${spec.data.label}`;
  if (spec.type === 'regression' && !cols.get(spec.data.label)) return `dataset ${d.name}: label ${spec.data.label} is not numeric, as regression needs`;
  const features = spec.data.features ?? d.columns.map((c) => c.name).filter((c) => c !== spec.data.label);
  for (const f of features) {
    if (!cols.has(f)) return `dataset ${d.name} has no feature column ${f}`;
    if (!cols.get(f)) return `dataset ${d.name}: feature ${f} is not numeric`;
  }
  return undefined;
}

/** Why a data owner cannot serve the task by its attributes and data (ignoring liveness and load). */
export function dataOwnerProblem(spec: TaskSpec, n: NodeView): string | undefined {
  if (!n.attrs.roles.includes('data-owner')) return 'not a data owner';
  const d = n.datasets.find((x) => x.name === spec.dataset);
  if (!d) return `does not offer ${spec.dataset}`;
  return datasetProblem(spec, d) ?? resourceProblem(spec, n.attrs, true);
}

/** Why a node lacks the resources the task requires (GPUs count for data owners only). */
export function resourceProblem(spec: TaskSpec, a: NodeAttrs, trains: boolean): string | undefined {
  const r = spec.requirements;
  if (trains && a.gpus < r.gpus) return `has ${a.gpus} GPUs, needs ${r.gpus}`;
  if (a.bandwidthMbps < r.minBandwidthMbps) return `declares ${a.bandwidthMbps} Mbps, needs ${r.minBandwidthMbps}`;
  if (r.minFreeDiskMb > 0 && a.freeDiskMb < r.minFreeDiskMb) return `has ${a.freeDiskMb < 0 ? 'unknown' : a.freeDiskMb} MB free disk, needs ${r.minFreeDiskMb}`;
  return undefined;
}

/**
 * Why the task can never be served by the registered nodes (refused at submit), or
 * undefined when it can wait for them to be free.
 */
export function submitProblem(spec: TaskSpec, nodes: NodeView[]): string | undefined {
  if (!spec.dataset) return 'the task names no dataset; add `dataset: NAME` (one a registered data owner offers)';
  const holders = nodes.filter((n) => n.datasets.some((d) => d.name === spec.dataset));
  if (holders.length === 0) {
    const offered = [...new Set(nodes.flatMap((n) => n.datasets.map((d) => d.name)))].sort();
    return `unknown dataset ${spec.dataset}: no registered data owner offers it (offered: ${offered.length ? offered.join(', ') : 'none'})`;
  }
  const columnProblems = holders.map((n) => datasetProblem(spec, n.datasets.find((d) => d.name === spec.dataset) as DatasetMeta)).filter((p): p is string => p !== undefined);
  if (columnProblems.length === holders.length) return columnProblems[0];
  const eligible = nodes.filter((n) => dataOwnerProblem(spec, n) === undefined);
  const need = minDataOwners(spec);
  if (eligible.length < need) {
    const why = holders.map((n) => `${n.id}: ${dataOwnerProblem(spec, n) ?? 'eligible'}`).join('; ');
    return `impossible requirements: the task needs ${need} data owners offering ${spec.dataset} that meet its requirements, but only ${eligible.length} of the ${nodes.filter((n) => n.attrs.roles.includes('data-owner')).length} registered do (${why})`;
  }
  return undefined;
}

/** The nodes to start the task with now, or what it still waits for. */
export function place(spec: TaskSpec, nodes: NodeView[]): { placement: Placement } | { waitingFor: string } {
  const need = minDataOwners(spec);
  const eligible = nodes.filter((n) => dataOwnerProblem(spec, n) === undefined);
  const ready = eligible.filter(free);
  const waits: string[] = [];
  if (ready.length < need) {
    const busy = eligible.filter((n) => n.online && !free(n)).length;
    const offline = eligible.filter((n) => !n.online).length;
    waits.push(`${need} free data owners offering ${spec.dataset} (${ready.length} free, ${busy} busy, ${offline} offline)`);
  }
  const coordinators = nodes.filter((n) => n.attrs.roles.includes('coordinator') && resourceProblem(spec, n.attrs, false) === undefined);
  const coordinator = coordinators.find(free);
  if (!coordinator) waits.push(coordinators.length ? 'a free coordinator (all busy or offline)' : 'a coordinator to register');
  const auditors = nodes.filter((n) => n.attrs.roles.includes('auditor'));
  const auditor = auditors.find(free);
  if (auditors.length > 0 && !auditor) waits.push('a free auditor (all busy or offline)');
  if (waits.length > 0 || !coordinator) return { waitingFor: waits.join('; ') };
  // Least-loaded first, then by id, so placements are predictable.
  const max = spec.requirements.maxDataOwners ?? Number.MAX_SAFE_INTEGER;
  const chosen = [...ready].sort((a, b) => a.load - b.load || a.id.localeCompare(b.id)).slice(0, max);
  return { placement: { coordinator: coordinator.id, auditor: auditor?.id, dataOwners: chosen.map((n) => n.id) } };
}

/** A free eligible data owner not already in the task, to replace one that failed. */
export function standby(spec: TaskSpec, nodes: NodeView[], exclude: Set<string>): string | undefined {
  return nodes
    .filter((n) => !exclude.has(n.id) && free(n) && dataOwnerProblem(spec, n) === undefined)
    .sort((a, b) => a.load - b.load || a.id.localeCompare(b.id))[0]?.id;
}
