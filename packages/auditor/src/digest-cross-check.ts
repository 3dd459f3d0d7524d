/**
 * Reliability check: the digest a data owner says it uploaded must be the digest
 * the coordinator says it accepted for that node and round. A mismatch means the update
 * was altered in transit, or one side misreports.
 */
import { AuditEventType, type AuditEventInput, type AuditRecord } from '@fmls/store';
import { AUDITOR_EVENT_ID_PREFIX } from './validate-event';

/** Digests reported for one (task, node, round): digest → eventId of the report. */
interface Reports {
  sent: Map<string, string>;
  accepted: Map<string, string>;
}

/** Digests kept per side and key: a node flooding one round cannot grow memory. */
const MAX_DIGESTS_PER_ROUND = 16;

/** How many (task, node, round) keys are remembered; older ones are forgotten first. */
const DEFAULT_CAPACITY = 100_000;

/**
 * Watches `update-sent` and `update-accepted` records and returns an `anomaly` event when
 * the second of the two names a digest the first did not. A node that sends several
 * updates in one round is matched against any of them.
 */
export class DigestCrossCheck {
  private readonly byKey = new Map<string, Reports>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Feeds one record; returns the anomaly to record, if any. */
  observe(record: AuditRecord): AuditEventInput | undefined {
    const sent = record.type === AuditEventType.updateSent;
    if (!sent && record.type !== AuditEventType.updateAccepted) return undefined;
    const digest = record.details.digest;
    if (typeof digest !== 'string') return undefined;
    const reports = this.reportsFor(`${record.taskId}\u0000${record.node}\u0000${record.round}`);
    const mine = sent ? reports.sent : reports.accepted;
    const theirs = sent ? reports.accepted : reports.sent;
    mine.set(digest, record.eventId);
    if (mine.size > MAX_DIGESTS_PER_ROUND) mine.delete(mine.keys().next().value as string);
    if (theirs.size === 0 || theirs.has(digest)) return undefined;
    const [otherDigest, otherEventId] = [...theirs.entries()][theirs.size - 1];
    return {
      eventId: `${AUDITOR_EVENT_ID_PREFIX}anomaly:${record.seq}`,
      type: AuditEventType.anomaly,
      source: 'auditor',
      node: record.node,
      taskId: record.taskId,
      round: record.round,
      details: {
        reason: 'digest-mismatch',
        sentDigest: sent ? digest : otherDigest,
        acceptedDigest: sent ? otherDigest : digest,
        sentEventId: sent ? record.eventId : otherEventId,
        acceptedEventId: sent ? otherEventId : record.eventId,
      },
    };
  }

  private reportsFor(key: string): Reports {
    let reports = this.byKey.get(key);
    if (!reports) {
      reports = { sent: new Map(), accepted: new Map() };
      this.byKey.set(key, reports);
      if (this.byKey.size > this.capacity) {
        const oldest = this.byKey.keys().next();
        if (!oldest.done) this.byKey.delete(oldest.value);
      }
    }
    return reports;
  }
}
