/** The auditor's logic behind the gRPC servicer: validate, de-duplicate, record, cross-check. */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@fmls/core';
import { AuditEventType, type AuditEventInput, type AuditLog, type AuditRecord } from '@fmls/store';
import type { Ack, AuditEvent } from '@fmls/wire';
import type { DigestCrossCheck } from './digest-cross-check';
import { AUDITOR_EVENT_ID_PREFIX, validateEvent } from './validate-event';

/**
 * Records events in the log. Everything here is synchronous, so two calls can never
 * interleave between the duplicate check and the append.
 */
export class AuditorHandler {
  constructor(
    private readonly log: AuditLog,
    private readonly crossCheck: DigestCrossCheck,
    private readonly logger: Logger,
  ) {}

  /**
   * Records one event from a peer. A known eventId is acknowledged without a second record.
   *
   * @throws ValidationError for an event that breaks the catalogue or the size bounds.
   */
  record(event: AuditEvent): Ack {
    let input: AuditEventInput;
    try {
      input = validateEvent(event);
    } catch (err) {
      this.logger.warn({ eventId: event.eventId.slice(0, 200), source: event.source.slice(0, 200), err: (err as Error).message }, 'refused audit event');
      throw err;
    }
    if (this.log.has(input.eventId)) return { ok: true, message: 'duplicate: already recorded' };
    const record = this.append(input);
    const anomaly = this.crossCheck.observe(record);
    if (anomaly) {
      this.append(anomaly);
      this.logger.warn({ node: anomaly.node, round: anomaly.round, ...anomaly.details }, 'anomaly');
    }
    return { ok: true, message: `recorded as ${record.seq}` };
  }

  /** Records the auditor's own start, so restarts show in the log. */
  recordStart(): AuditRecord {
    return this.append({
      eventId: `${AUDITOR_EVENT_ID_PREFIX}started:${randomUUID()}`,
      type: AuditEventType.auditorStarted,
      source: 'auditor',
      node: '',
      taskId: '',
      round: 0,
      details: {},
    });
  }

  private append(input: AuditEventInput): AuditRecord {
    try {
      const record = this.log.append(input);
      this.logger.debug({ seq: record.seq, type: record.type, node: record.node, round: record.round }, 'recorded');
      return record;
    } catch (err) {
      this.logger.error({ eventId: input.eventId, err: (err as Error).message }, 'cannot record audit event');
      throw err;
    }
  }
}
