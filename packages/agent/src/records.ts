/** What the agent keeps about nodes and tasks; persisted as JSON documents. */
import type { NodeRole, Priority, TaskHistoryEntry, TaskSpec } from '@fmls/core';

export interface DatasetMeta {
  name: string;
  columns: Array<{ name: string; numeric: boolean }>;
  rows: number;
}

/** Attributes a node reports (M-8.3); `overrides` set with `fmls nodes set` win over reported values. */
export interface NodeAttrs {
  roles: NodeRole[];
  cpus: number;
  gpus: number;
  backend: string;
  freeDiskMb: number;
  bandwidthMbps: number;
  maxTasks: number;
  address: string;
  version: string;
}

export const OVERRIDABLE = ['gpus', 'free_disk_mb', 'bandwidth_mbps', 'max_tasks'] as const;
export type OverrideKey = (typeof OVERRIDABLE)[number];

export interface NodeRecord {
  id: string;
  reported: NodeAttrs;
  overrides: Partial<Record<OverrideKey, number>>;
  datasets: DatasetMeta[];
  registeredAt: number;
  lastSeen: number;
}

export type TaskState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const FINAL_STATES: readonly TaskState[] = ['succeeded', 'failed', 'cancelled'];

export type MemberState = 'active' | 'dropped' | 'lost';

export interface TaskMember {
  nodeId: string;
  role: NodeRole;
  state: MemberState;
  /** Data owners: SHA-256 hex of the credential the agent gave it. */
  credentialSha256?: string;
}

export interface TopologyChangeRecord {
  time: number;
  version: number;
  change: 'built' | 'dropped' | 'admitted';
  nodeId: string;
  reason: string;
}

/** Running sums per node, from the nodes' own reports (D-3). */
export interface NodeTally {
  commRounds: number;
  commMean: number;
  /** Welford's M2 of per-round communication time. */
  commM2: number;
  bytesSent: number;
  bytesReceived: number;
  trainSeconds: number;
  /** Rounds aggregated with this node's update, and the sum of its weight shares. */
  roundsIn: number;
  shareSum: number;
  samples: number;
}

export interface TaskRecord {
  id: string;
  spec: TaskSpec;
  name: string;
  priority: Priority;
  state: TaskState;
  submittedAt: number;
  startedAt: number;
  finishedAt: number;
  /** The coordinator reported it is serving the task (data owners were told). */
  served: boolean;
  coordinatorAddress: string;
  auditorAddress: string;
  members: TaskMember[];
  topologyVersion: number;
  topologyHistory: TopologyChangeRecord[];
  round: number;
  /** The latest round's metrics line. */
  metrics: Record<string, unknown>;
  participants: string[];
  waitingFor: string;
  reason: string;
  tallies: Record<string, NodeTally>;
  history: TaskHistoryEntry[];
  /** Model files received from the coordinator. */
  artifacts: string[];
}

export function emptyTally(): NodeTally {
  return { commRounds: 0, commMean: 0, commM2: 0, bytesSent: 0, bytesReceived: 0, trainSeconds: 0, roundsIn: 0, shareSum: 0, samples: 0 };
}
