/**
 * Per-node contributions and reliability from the audit log (R-3, M-8.4): the basis of
 * an incentive score.
 */
import { AuditEventType, TASK_EVENT_TYPES } from './audit-events';
import type { AuditRecord } from './audit-record';

/** One node's line of the report. */
export interface ContributionRow {
  node: string;
  /** The latest sample count reported for it (join, sent or accepted update); 0 if none. */
  samples: number;
  /** Distinct rounds in which an update of it was accepted. */
  roundsParticipated: number;
  acceptedUpdates: number;
  rejectedUpdates: number;
  heartbeatLosses: number;
  joins: number;
  leaves: number;
  /** Anomalies the auditor recorded about it. */
  anomalies: number;
  /**
   * Its share (0..1) of the sample-weighted accepted updates of all nodes: Σ over its
   * accepted updates of the samples each was trained on, over the same sum for every
   * node. With a constant sample count this is samples × accepted updates over Σ of those.
   */
  contributionShare: number;
}

/** Names that are never data owners, whatever an event's `node` says. */
const NOT_DATA_OWNERS = new Set(['', 'coordinator', 'auditor']);

/** Events whose `details.samples` is a sample count the node reported or trained on. */
const SAMPLE_REPORTS = new Set<string>([AuditEventType.nodeJoined, AuditEventType.updateSent, AuditEventType.updateAccepted]);

interface Tally extends ContributionRow {
  rounds: Set<number>;
  weighted: number;
}

/**
 * The contribution report of `records` (in log order), one row per node named in the
 * events' `node` field, sorted by node. Task-level events and the coordinator's and
 * auditor's own events are not about a data owner and are skipped.
 */
export function contributionReport(records: readonly AuditRecord[]): ContributionRow[] {
  const tallies = new Map<string, Tally>();
  for (const r of records) {
    if (NOT_DATA_OWNERS.has(r.node) || (TASK_EVENT_TYPES as readonly string[]).includes(r.type)) continue;
    const t = tallies.get(r.node) ?? newTally(r.node);
    tallies.set(r.node, t);
    const samples = sampleCount(r);
    if (samples !== undefined && SAMPLE_REPORTS.has(r.type)) t.samples = samples;
    switch (r.type) {
      case AuditEventType.nodeJoined: t.joins++; break;
      case AuditEventType.nodeLeft: t.leaves++; break;
      case AuditEventType.heartbeatLost: t.heartbeatLosses++; break;
      case AuditEventType.updateRejected: t.rejectedUpdates++; break;
      case AuditEventType.anomaly: t.anomalies++; break;
      case AuditEventType.updateAccepted:
        t.acceptedUpdates++;
        t.rounds.add(r.round);
        // An update without its own count weighs what the node last reported.
        t.weighted += samples ?? t.samples;
        break;
      default: break;
    }
  }
  const total = [...tallies.values()].reduce((sum, t) => sum + t.weighted, 0);
  return [...tallies.values()]
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
    .map(({ rounds, weighted, ...row }) => ({
      ...row,
      roundsParticipated: rounds.size,
      contributionShare: total > 0 ? weighted / total : 0,
    }));
}

function newTally(node: string): Tally {
  return {
    node, samples: 0, roundsParticipated: 0, acceptedUpdates: 0, rejectedUpdates: 0, heartbeatLosses: 0,
    joins: 0, leaves: 0, anomalies: 0, contributionShare: 0, rounds: new Set(), weighted: 0,
  };
}

function sampleCount(r: AuditRecord): number | undefined {
  const s = r.details.samples;
  return typeof s === 'number' && Number.isFinite(s) && s >= 0 ? s : undefined;
}
