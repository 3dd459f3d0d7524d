/** Builders of wire events for the auditor's tests (not exported from the package). */
import type { AuditEvent } from '@fmls/wire';

/** A decoded wire event with every field set; `details` becomes details_json. */
export function wireEvent(fields: Partial<AuditEvent> & { details?: object } = {}): AuditEvent {
  const { details, ...rest } = fields;
  return {
    eventId: 'e1', type: 'node-joined', source: 'coordinator', node: 'alice', taskId: 't1', round: 0,
    detailsJson: JSON.stringify(details ?? { samples: 100, classes: 2, backend: 'cpu' }), timeMs: Date.now(),
    ...rest,
  };
}
