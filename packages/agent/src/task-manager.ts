/**
 * The life of every task at the agent: submitted requests wait in a queue ordered by
 * priority then age (M-8.5) and start as soon as enough free nodes meet their needs
 * (M-8.2); the coordinator is told first and the data owners once it serves the task
 * (M-9.1); failures and resource changes rebuild the topology (M-8.4); the coordinator's
 * reports drive progress and its artifacts are kept for fetch-model (M-9.5).
 */
import { createHash, randomBytes } from 'node:crypto';
import { FmlsError, InputError, NotFoundError, type Logger, type NodeRole, type NodeTaskConfig, type TaskSpec } from '@fmls/core';
import { AuditSink, type TlsCredentials } from '@fmls/wire';
import type { StateDb } from '@fmls/store';
import { dataOwnerProblem, place, standby, submitProblem, type NodeView, type Placement } from './admission';
import { effectiveAttrs, type NodeEvent, type NodeRegistry } from './node-registry';
import { byPriorityThenAge } from './queue-order';
import { FINAL_STATES, type MemberState, type TaskRecord, type TaskState } from './records';
import { recordNodeRound, recordRound } from './task-tallies';
import { topologyView } from './topology';
import type { WorkOrders } from './work-orders';

export class TaskManager {
  readonly tasks = new Map<string, TaskRecord>();
  /** Credentials of data owners not yet told (tokens are never persisted). */
  private readonly credentials = new Map<string, string>();
  private readonly audits = new Map<string, AuditSink>();

  constructor(
    private readonly db: StateDb,
    private readonly nodes: NodeRegistry,
    private readonly orders: WorkOrders,
    private readonly logger: Logger,
    /** This node's TLS identity, for the connections to task auditors. */
    private readonly tls?: TlsCredentials,
  ) {
    for (const task of db.all<TaskRecord>('tasks')) this.tasks.set(task.id, task);
  }

  // ------------------------------------------------------------------ I1

  submit(spec: TaskSpec, source: string): TaskRecord {
    const problem = submitProblem(spec, this.views());
    if (problem) throw new InputError(`${source}: ${problem}`, { fix: 'see fmls nodes list for the registered nodes and what they offer' });
    const now = Date.now();
    const task: TaskRecord = {
      id: `t-${randomBytes(5).toString('hex')}`,
      spec,
      name: spec.name ?? spec.dataset ?? 'task',
      priority: spec.priority,
      state: 'queued',
      submittedAt: now,
      startedAt: 0,
      finishedAt: 0,
      served: false,
      coordinatorAddress: '',
      auditorAddress: '',
      members: [],
      topologyVersion: 0,
      topologyHistory: [],
      round: 0,
      metrics: {},
      participants: [],
      waitingFor: '',
      reason: '',
      tallies: {},
      history: [],
      artifacts: [],
    };
    this.note(task, 'submitted', `${spec.priority} priority, dataset ${spec.dataset}, from ${source}`);
    this.tasks.set(task.id, task);
    this.save(task);
    this.logger.info({ task: task.id, name: task.name, priority: task.priority }, 'task submitted');
    this.schedule();
    return task;
  }

  get(id: string): TaskRecord {
    const task = this.tasks.get(id);
    if (!task) throw new NotFoundError(`no task ${JSON.stringify(id)}`, { fix: 'see fmls task list' });
    return task;
  }

  cancel(id: string): TaskRecord {
    const task = this.get(id);
    if (FINAL_STATES.includes(task.state)) return task;
    this.finish(task, 'cancelled', 'cancelled by the service client');
    this.schedule();
    return task;
  }

  /** Files of a finished task's model, for fetch-model. */
  artifactNames(id: string): string[] {
    const task = this.get(id);
    if (task.state !== 'succeeded' || !task.artifacts.includes('model.json')) {
      throw new FmlsError(`task ${id} is ${task.state}${task.state === 'failed' ? ` (${task.reason})` : ''}; a model is kept only for a succeeded task`, { fix: task.state === 'queued' || task.state === 'running' ? `wait for it: fmls task wait ${id}` : 'submit the task again' });
    }
    return task.artifacts;
  }

  // ------------------------------------------------------------------ scheduling

  /** Nodes as admission sees them, with their current load. */
  views(): NodeView[] {
    const load = new Map<string, number>();
    for (const t of this.tasks.values()) {
      if (t.state !== 'running') continue;
      for (const m of t.members) if (m.state === 'active') load.set(m.nodeId, (load.get(m.nodeId) ?? 0) + 1);
    }
    return this.nodes.all().map((n) => ({ id: n.record.id, online: n.online, attrs: effectiveAttrs(n.record), datasets: n.record.datasets, load: load.get(n.record.id) ?? 0 }));
  }

  /** Starts every queued task that can start now, highest priority and oldest first. */
  schedule(): void {
    const queued = [...this.tasks.values()].filter((t) => t.state === 'queued').sort(byPriorityThenAge);
    // Loads change only when a task starts, so the node views are rebuilt only then.
    let views = this.views();
    for (const task of queued) {
      const result = place(task.spec, views);
      if ('placement' in result) {
        this.start(task, result.placement);
        views = this.views();
      } else if (task.waitingFor !== result.waitingFor) {
        task.waitingFor = result.waitingFor;
        this.save(task);
      }
    }
  }

  private start(task: TaskRecord, p: Placement): void {
    const addr = (id: string): string => this.nodes.get(id)?.record.reported.address ?? '';
    task.state = 'running';
    task.startedAt = Date.now();
    task.waitingFor = '';
    task.coordinatorAddress = addr(p.coordinator);
    task.auditorAddress = p.auditor ? addr(p.auditor) : '';
    task.members = [{ nodeId: p.coordinator, role: 'coordinator', state: 'active' }];
    if (p.auditor) task.members.push({ nodeId: p.auditor, role: 'auditor', state: 'active' });
    for (const id of p.dataOwners) task.members.push({ nodeId: id, role: 'data-owner', state: 'active', credentialSha256: this.issueCredential(task.id, id) });
    task.topologyVersion = 1;
    task.topologyHistory = [{ time: Date.now(), version: 1, change: 'built', nodeId: '', reason: `coordinator ${p.coordinator}, auditor ${p.auditor ?? 'none'}, data owners ${p.dataOwners.join(', ')}` }];
    this.note(task, 'started', task.topologyHistory[0].reason);
    this.save(task);
    if (task.auditorAddress) this.audits.set(task.id, new AuditSink(task.auditorAddress, 'agent', this.logger, this.tls));
    this.audit(task, 'task-assigned', '', { coordinator: p.coordinator, auditor: p.auditor ?? '', dataOwners: p.dataOwners, topologyVersion: 1 });
    this.logger.info({ task: task.id, coordinator: p.coordinator, auditor: p.auditor, dataOwners: p.dataOwners }, 'task started');
    this.orders.push(p.coordinator, 'RUN', task.id, JSON.stringify(this.configFor(task, p.coordinator, 'coordinator')));
    if (p.auditor) this.orders.push(p.auditor, 'RUN', task.id, JSON.stringify(this.configFor(task, p.auditor, 'auditor')));
  }

  private issueCredential(taskId: string, nodeId: string): string {
    const token = randomBytes(24).toString('hex');
    this.credentials.set(`${taskId}/${nodeId}`, token);
    return createHash('sha256').update(token).digest('hex');
  }

  private configFor(task: TaskRecord, nodeId: string, role: NodeRole): NodeTaskConfig {
    const config: NodeTaskConfig = {
      taskId: task.id,
      role,
      spec: task.spec,
      topology: topologyView(task, (id) => this.nodes.get(id)?.record.reported.address ?? ''),
      coordinator: task.coordinatorAddress,
      auditor: task.auditorAddress || undefined,
    };
    if (role === 'coordinator') {
      config.admitted = task.members.filter((m) => m.role === 'data-owner' && m.state === 'active').map((m) => ({ nodeId: m.nodeId, credentialSha256: m.credentialSha256 as string }));
    }
    if (role === 'data-owner') {
      config.dataset = task.spec.dataset;
      config.credential = this.credentials.get(`${task.id}/${nodeId}`);
    }
    return config;
  }

  /** Tells admitted data owners that have not been told yet to run the task. */
  private dispatchDataOwners(task: TaskRecord): void {
    for (const m of task.members) {
      const key = `${task.id}/${m.nodeId}`;
      if (m.role !== 'data-owner' || m.state !== 'active' || !this.credentials.has(key)) continue;
      this.orders.push(m.nodeId, 'RUN', task.id, JSON.stringify(this.configFor(task, m.nodeId, 'data-owner')));
      this.credentials.delete(key);
    }
  }

  // ------------------------------------------------------------------ topology changes

  /** Takes a data owner out of a running task and admits a standby in its place when one is free. */
  private dropDataOwner(task: TaskRecord, nodeId: string, state: MemberState, reason: string): void {
    const member = task.members.find((m) => m.nodeId === nodeId && m.role === 'data-owner');
    if (!member || member.state !== 'active') return;
    member.state = state;
    this.changeTopology(task, 'dropped', nodeId, reason);
    if (state === 'dropped' && this.nodes.get(nodeId)?.online) this.orders.push(nodeId, 'CANCEL', task.id, '', reason);
    const replacement = standby(task.spec, this.views(), new Set(task.members.map((m) => m.nodeId)));
    if (replacement) {
      task.members.push({ nodeId: replacement, role: 'data-owner', state: 'active', credentialSha256: this.issueCredential(task.id, replacement) });
      this.changeTopology(task, 'admitted', replacement, `standby replacing ${nodeId}`);
    }
    this.pushTopology(task);
    if (task.served) this.dispatchDataOwners(task);
  }

  private changeTopology(task: TaskRecord, change: 'dropped' | 'admitted', nodeId: string, reason: string): void {
    task.topologyVersion++;
    task.topologyHistory.push({ time: Date.now(), version: task.topologyVersion, change, nodeId, reason });
    this.note(task, `topology-${change}`, `${nodeId}: ${reason} (topology v${task.topologyVersion})`);
    this.audit(task, 'topology-changed', nodeId, { version: task.topologyVersion, change, reason });
    this.logger.warn({ task: task.id, node: nodeId, change, reason, version: task.topologyVersion }, 'topology rebuilt');
    this.save(task);
  }

  /** Sends the new topology to every active node of the task (and the admitted list to the coordinator). */
  private pushTopology(task: TaskRecord): void {
    for (const m of task.members) {
      if (m.state !== 'active' || this.credentials.has(`${task.id}/${m.nodeId}`)) continue;
      this.orders.push(m.nodeId, 'UPDATE', task.id, JSON.stringify(this.configFor(task, m.nodeId, m.role)));
    }
  }

  // ------------------------------------------------------------------ events

  onNodeEvent(event: NodeEvent): void {
    for (const task of this.running()) {
      const member = task.members.find((m) => m.nodeId === event.nodeId && m.state === 'active');
      if (!member) continue;
      const restarted = event.kind === 'registered' && !event.runningTasks.includes(task.id);
      if (event.kind === 'lost' || restarted) {
        const why = event.kind === 'lost' ? 'stopped heartbeating' : 'restarted without the task';
        if (member.role === 'coordinator') this.finish(task, 'failed', `coordinator ${event.nodeId} ${why}`);
        else if (member.role === 'data-owner') this.dropDataOwner(task, event.nodeId, 'lost', why);
        else this.note(task, 'auditor-lost', `auditor ${event.nodeId} ${why}; events wait in the senders' queues`);
      } else if (event.kind === 'changed' && member.role === 'data-owner') {
        const node = this.nodes.get(event.nodeId);
        const problem = node && dataOwnerProblem(task.spec, { id: event.nodeId, online: true, attrs: effectiveAttrs(node.record), datasets: node.record.datasets, load: 0 });
        if (problem) this.dropDataOwner(task, event.nodeId, 'dropped', `out of resources: ${problem}`);
      }
    }
    this.schedule();
  }

  onReport(nodeId: string, kind: string, taskId: string, r: { address: string; payloadJson: string; outcome: string; reason: string }): void {
    const task = this.get(taskId);
    const member = task.members.find((m) => m.nodeId === nodeId);
    if (!member) throw new InputError(`node ${nodeId} does not serve task ${taskId}`);
    if (task.state !== 'running') return; // late reports of a finished task change nothing
    if (kind === 'STARTED' && member.role === 'coordinator') {
      task.served = true;
      if (r.address) task.coordinatorAddress = r.address;
      this.note(task, 'served', `coordinator ${nodeId} serves the task at ${task.coordinatorAddress}`);
      this.dispatchDataOwners(task);
    } else if (kind === 'ROUND' && member.role === 'coordinator') {
      recordRound(task, r.payloadJson);
    } else if (kind === 'NODE_ROUND' && member.role === 'data-owner') {
      recordNodeRound(task, nodeId, r.payloadJson);
    } else if (kind === 'FINISHED' && member.role === 'coordinator') {
      const ok = r.outcome === 'succeeded' && task.artifacts.includes('model.json');
      this.finish(task, ok ? 'succeeded' : 'failed', r.reason || (ok ? 'finished' : 'the coordinator sent no model'));
      this.schedule();
      return;
    } else if (kind === 'FINISHED' && member.role === 'data-owner' && r.outcome !== 'succeeded' && member.state === 'active') {
      this.dropDataOwner(task, nodeId, 'dropped', `its run failed: ${r.reason}`);
    }
    this.save(task);
  }

  /** Records which model files arrived for a task (written by the caller). */
  artifactsReceived(taskId: string, nodeId: string, names: string[]): void {
    const task = this.get(taskId);
    task.artifacts = [...new Set([...task.artifacts, ...names])];
    this.note(task, 'model-received', `${names.join(', ')} from ${nodeId}`);
    this.save(task);
  }

  /** Whether `nodeId` is the coordinator of a task that may still upload its model. */
  isCoordinatorOf(taskId: string, nodeId: string): boolean {
    const task = this.tasks.get(taskId);
    return Boolean(task && task.members.some((m) => m.nodeId === nodeId && m.role === 'coordinator'));
  }

  /** After an agent restart, running tasks whose coordinator never came back fail. */
  failUnclaimed(reason: string): void {
    for (const task of this.running()) {
      const coordinator = task.members.find((m) => m.role === 'coordinator');
      if (coordinator && !this.nodes.get(coordinator.nodeId)?.online) this.finish(task, 'failed', reason);
    }
    this.schedule();
  }

  private running(): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => t.state === 'running');
  }

  private finish(task: TaskRecord, state: TaskState, reason: string): void {
    // A coordinator that finished tells its data owners itself; otherwise the agent does.
    if (task.state === 'running' && state !== 'succeeded') {
      for (const m of task.members) if (m.state === 'active' && this.nodes.get(m.nodeId)?.online) this.orders.push(m.nodeId, 'CANCEL', task.id, '', reason);
    }
    task.state = state;
    task.reason = reason;
    task.finishedAt = Date.now();
    task.waitingFor = '';
    this.note(task, state, reason);
    if (state === 'cancelled') this.audit(task, 'task-cancelled', '', { reason });
    this.save(task);
    this.logger.info({ task: task.id, state, reason }, 'task ended');
    for (const key of [...this.credentials.keys()]) if (key.startsWith(`${task.id}/`)) this.credentials.delete(key);
    const sink = this.audits.get(task.id);
    if (sink) {
      this.audits.delete(task.id);
      void sink.flush(10000).finally(() => sink.close());
    }
  }

  private audit(task: TaskRecord, type: string, node: string, details: Record<string, unknown>): void {
    this.audits.get(task.id)?.emit(type, { taskId: task.id, node, details });
  }

  private note(task: TaskRecord, event: string, detail: string): void {
    task.history.push({ time: new Date().toISOString(), event, detail });
  }

  private save(task: TaskRecord): void {
    this.db.put('tasks', task.id, task);
  }

  async close(): Promise<void> {
    await Promise.all([...this.audits.values()].map(async (s) => {
      await s.flush(3000);
      s.close();
    }));
  }
}
