/**
 * The registered nodes (M-8.3): their reported attributes and offered datasets, tokens,
 * liveness and operator overrides. Records persist; tokens and liveness do not, so after
 * an agent restart every node is offline until it registers again.
 */
import { randomBytes } from 'node:crypto';
import { AuthError, InputError, NODE_ROLES, NotFoundError, ValidationError, type Logger, type NodeRole } from '@fmls/core';
import { parseHostPort, PROTOCOL_VERSION, type RegisterRequest } from '@fmls/wire';
import type { StateDb } from '@fmls/store';
import { OVERRIDABLE, type DatasetMeta, type NodeAttrs, type NodeRecord, type OverrideKey } from './records';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_DATASETS = 1000;
const MAX_COLUMNS = 1_000_000;

export interface LiveNode {
  record: NodeRecord;
  token: string;
  online: boolean;
}

export type NodeEvent = { kind: 'registered'; nodeId: string; runningTasks: string[] } | { kind: 'lost'; nodeId: string } | { kind: 'changed'; nodeId: string };

export class NodeRegistry {
  private readonly nodes = new Map<string, LiveNode>();
  private monitor: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: StateDb,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly onEvent: (event: NodeEvent) => void,
  ) {
    for (const record of db.all<NodeRecord>('nodes')) this.nodes.set(record.id, { record, token: '', online: false });
  }

  register(req: RegisterRequest): { token: string } {
    const problem = registrationProblem(req);
    if (problem) throw new ValidationError(problem, { fix: 'fix the node flags it names' });
    const a = req.attributes;
    if (!a) throw new ValidationError('attributes are missing');
    const now = Date.now();
    const previous = this.nodes.get(req.nodeId);
    const record: NodeRecord = {
      id: req.nodeId,
      reported: {
        roles: a.roles as NodeRole[],
        cpus: a.cpus,
        gpus: a.gpus,
        backend: a.backend.slice(0, 100),
        freeDiskMb: a.freeDiskMb,
        bandwidthMbps: a.bandwidthMbps,
        maxTasks: Math.max(1, a.maxTasks),
        address: a.address,
        version: a.version.slice(0, 50),
      },
      overrides: previous?.record.overrides ?? {},
      datasets: req.datasets.map((d): DatasetMeta => ({ name: d.name, rows: d.rows, columns: d.columns.map((c) => ({ name: c.name, numeric: c.numeric })) })),
      registeredAt: now,
      lastSeen: now,
    };
    const node: LiveNode = { record, token: randomBytes(24).toString('hex'), online: true };
    this.nodes.set(record.id, node);
    this.db.put('nodes', record.id, record);
    this.logger.info({ node: record.id, roles: record.reported.roles, datasets: record.datasets.map((d) => d.name), rejoin: Boolean(previous) }, 'node registered');
    this.onEvent({ kind: 'registered', nodeId: record.id, runningTasks: req.runningTasks });
    return { token: node.token };
  }

  /** The caller's node if its token matches; marks it seen. */
  authenticate(nodeId: string, token: string): LiveNode {
    const node = this.nodes.get(nodeId);
    if (!node || !node.online || token === '' || node.token !== token) throw new AuthError(`node ${JSON.stringify(nodeId)} is not registered with this agent; register first`);
    node.record.lastSeen = Date.now();
    return node;
  }

  heartbeat(nodeId: string, token: string, freeDiskMb: number): boolean {
    const node = this.nodes.get(nodeId);
    if (!node || !node.online || node.token !== token || token === '') return false;
    node.record.lastSeen = Date.now();
    if (Number.isFinite(freeDiskMb) && freeDiskMb >= 0 && freeDiskMb !== node.record.reported.freeDiskMb) {
      node.record.reported.freeDiskMb = freeDiskMb;
      this.onEvent({ kind: 'changed', nodeId });
    }
    return true;
  }

  /** Applies `fmls nodes set`: key=value, or key=auto to go back to the reported value. */
  setAttributes(nodeId: string, values: Record<string, string>): LiveNode {
    const node = this.nodes.get(nodeId);
    if (!node) throw new NotFoundError(`no node ${JSON.stringify(nodeId)} is registered`, { fix: 'see fmls nodes list' });
    const entries = Object.entries(values);
    if (entries.length === 0) throw new InputError('no attributes given', { fix: `give key=value with a key among ${OVERRIDABLE.join(', ')}` });
    const next = { ...node.record.overrides };
    for (const [key, raw] of entries) {
      if (!(OVERRIDABLE as readonly string[]).includes(key)) throw new InputError(`unknown attribute ${JSON.stringify(key)}`, { fix: `use one of ${OVERRIDABLE.join(', ')}` });
      if (raw === 'auto') {
        delete next[key as OverrideKey];
        continue;
      }
      const n = Number(raw);
      const integer = key === 'gpus' || key === 'max_tasks';
      if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)) || (key === 'max_tasks' && n < 1)) {
        throw new InputError(`${key}=${raw} is not valid`, { fix: `${key} takes a ${integer ? 'whole number' : 'number'} ≥ ${key === 'max_tasks' ? 1 : 0}, or auto` });
      }
      next[key as OverrideKey] = n;
    }
    node.record.overrides = next;
    this.db.put('nodes', nodeId, node.record);
    this.logger.info({ node: nodeId, overrides: next }, 'node attributes changed');
    this.onEvent({ kind: 'changed', nodeId });
    return node;
  }

  get(nodeId: string): LiveNode | undefined {
    return this.nodes.get(nodeId);
  }

  all(): LiveNode[] {
    return [...this.nodes.values()].sort((a, b) => a.record.id.localeCompare(b.record.id));
  }

  startMonitor(): void {
    this.monitor = setInterval(() => this.check(), 500);
    this.monitor.unref();
  }

  stopMonitor(): void {
    if (this.monitor) clearInterval(this.monitor);
  }

  private check(): void {
    const now = Date.now();
    for (const node of this.nodes.values()) {
      if (node.online && now - node.record.lastSeen > this.timeoutMs) {
        node.online = false;
        node.token = '';
        this.db.put('nodes', node.record.id, node.record);
        this.logger.warn({ node: node.record.id, silentForS: Math.round((now - node.record.lastSeen) / 1000) }, 'node stopped heartbeating');
        this.onEvent({ kind: 'lost', nodeId: node.record.id });
      }
    }
  }
}

/** Attributes with operator overrides applied. */
export function effectiveAttrs(record: NodeRecord): NodeAttrs {
  const o = record.overrides;
  return {
    ...record.reported,
    gpus: o.gpus ?? record.reported.gpus,
    freeDiskMb: o.free_disk_mb ?? record.reported.freeDiskMb,
    bandwidthMbps: o.bandwidth_mbps ?? record.reported.bandwidthMbps,
    maxTasks: o.max_tasks ?? record.reported.maxTasks,
  };
}

function registrationProblem(req: RegisterRequest): string | undefined {
  if (req.protocolVersion !== PROTOCOL_VERSION) return `protocol version ${req.protocolVersion} is not supported (agent speaks ${PROTOCOL_VERSION}); run the same fmls version everywhere`;
  if (!NAME.test(req.nodeId)) return `node id ${JSON.stringify(req.nodeId.slice(0, 80))} must be 1-128 letters, digits, '.', '_' or '-'`;
  const a = req.attributes;
  if (!a) return 'attributes are missing';
  if (a.roles.length === 0 || a.roles.some((r) => !(NODE_ROLES as readonly string[]).includes(r))) return `roles ${JSON.stringify(a.roles)} must be among ${NODE_ROLES.join(', ')}`;
  for (const [k, v] of Object.entries({ cpus: a.cpus, gpus: a.gpus, bandwidthMbps: a.bandwidthMbps, maxTasks: a.maxTasks })) {
    if (!Number.isFinite(v) || v < 0) return `${k} ${v} must be a non-negative number`;
  }
  if (!Number.isFinite(a.freeDiskMb)) return 'freeDiskMb must be a number';
  if ((a.roles.includes('coordinator') || a.roles.includes('auditor')) && a.address === '') return 'a coordinator or auditor must give the address it serves on';
  if (a.address !== '') {
    try {
      parseHostPort(a.address, 'address');
    } catch {
      return `address ${JSON.stringify(a.address.slice(0, 80))} is not HOST:PORT`;
    }
  }
  if (req.datasets.length > MAX_DATASETS) return `more than ${MAX_DATASETS} datasets`;
  if (req.datasets.length > 0 && !a.roles.includes('data-owner')) return 'only a data owner offers datasets';
  const names = new Set<string>();
  for (const d of req.datasets) {
    if (!NAME.test(d.name)) return `dataset name ${JSON.stringify(d.name.slice(0, 80))} must be 1-128 letters, digits, '.', '_' or '-'`;
    if (names.has(d.name)) return `dataset ${d.name} is offered twice`;
    names.add(d.name);
    if (!Number.isSafeInteger(d.rows) || d.rows < 1) return `dataset ${d.name}: row count ${d.rows} must be a positive integer`;
    if (d.columns.length < 2 || d.columns.length > MAX_COLUMNS) return `dataset ${d.name}: ${d.columns.length} columns is out of range`;
    if (new Set(d.columns.map((c) => c.name)).size !== d.columns.length) return `dataset ${d.name}: column names repeat`;
  }
  return undefined;
}
