/**
 * Intake validation: what a peer sends is checked before it can reach the log, since a
 * record, once written, can never be taken back.
 */
import { ValidationError } from '@fmls/core';
import { AGENT_EVENT_SOURCE, AGENT_EVENT_TYPES, AUDITOR_ONLY_EVENT_TYPES, AuditEventType, isAuditEventType, isJsonObject, TASK_EVENT_TYPES, type AuditEventInput, type JsonObject } from '@fmls/store';
import type { AuditEvent } from '@fmls/wire';

/** Size bounds of one event. */
export const EVENT_LIMITS = {
  /** Characters of `eventId`. */
  eventIdChars: 200,
  /** Characters of `source`, `node` and `taskId`. */
  nameChars: 200,
  /** UTF-8 bytes of `details_json`. */
  detailsBytes: 64 * 1024,
} as const;

/** Event ids the auditor gives its own records; peers may not use them, so they cannot pre-empt one. */
export const AUDITOR_EVENT_ID_PREFIX = 'auditor:';

/** `names`: an array of non-empty strings (node ids). */
type FieldType = 'string' | 'number' | 'names';

/** Details fields the auditor relies on (reports, cross-checks) or without which a record says nothing, per type. */
const REQUIRED_DETAILS: Partial<Record<string, Record<string, FieldType>>> = {
  [AuditEventType.nodeJoined]: { samples: 'number' },
  [AuditEventType.updateAccepted]: { digest: 'string', samples: 'number' },
  [AuditEventType.updateSent]: { digest: 'string', samples: 'number' },
  [AuditEventType.decryption]: { version: 'number', contributors: 'number' },
  [AuditEventType.updateRejected]: { reason: 'string' },
  [AuditEventType.taskAssigned]: { coordinator: 'string', dataOwners: 'names', topologyVersion: 'number' },
  [AuditEventType.topologyChanged]: { version: 'number', change: 'string' },
};

/** What each field type must hold, for the error message. */
const FIELD_NEEDS: Record<FieldType, string> = {
  string: 'a non-empty string',
  number: 'a non-negative number',
  names: 'an array of non-empty strings',
};

/** Values a details field may take, where only a few are meaningful. */
const ALLOWED_VALUES: Partial<Record<string, Record<string, readonly string[]>>> = {
  [AuditEventType.topologyChanged]: { change: ['dropped', 'admitted'] },
};

/**
 * The event as the log stores it.
 *
 * @throws ValidationError (INVALID_ARGUMENT on the wire) naming what is wrong.
 */
export function validateEvent(event: AuditEvent): AuditEventInput {
  const id = event.eventId;
  if (id.length === 0) throw invalid('', 'event_id is empty');
  if (id.length > EVENT_LIMITS.eventIdChars) throw invalid('', `event_id is longer than ${EVENT_LIMITS.eventIdChars} characters`);
  if (id.startsWith(AUDITOR_EVENT_ID_PREFIX)) throw invalid(id, `event ids starting with ${AUDITOR_EVENT_ID_PREFIX} are the auditor's own`);
  const type = event.type;
  if (!isAuditEventType(type)) throw invalid(id, `unknown type ${JSON.stringify(type.slice(0, 60))}`);
  if ((AUDITOR_ONLY_EVENT_TYPES as readonly string[]).includes(type)) throw invalid(id, `type ${type} is written by the auditor only`);
  for (const field of ['source', 'node', 'taskId'] as const) {
    if (event[field].length > EVENT_LIMITS.nameChars) throw invalid(id, `${field} is longer than ${EVENT_LIMITS.nameChars} characters`);
  }
  if (event.source.length === 0) throw invalid(id, 'source is empty');
  const aboutNode = !(TASK_EVENT_TYPES as readonly string[]).includes(type);
  if (aboutNode && event.node.length === 0) throw invalid(id, `node is empty; a ${type} event names the node it is about`);
  // Only the agent assigns nodes and changes topologies; a role daemon claiming so is forging.
  if ((AGENT_EVENT_TYPES as readonly string[]).includes(type) && event.source !== AGENT_EVENT_SOURCE) {
    throw invalid(id, `${type} events come from source ${AGENT_EVENT_SOURCE} only, not ${JSON.stringify(event.source)}`);
  }
  const selfReported: string[] = [AuditEventType.updateSent, AuditEventType.decryption, AuditEventType.decryptionRefused];
  if (selfReported.includes(type) && event.source !== `data-owner:${event.node}`) {
    throw invalid(id, `${type} about node ${JSON.stringify(event.node)} must come from source data-owner:${event.node}, not ${JSON.stringify(event.source)}`);
  }
  const details = parseDetails(id, event.detailsJson);
  for (const [field, want] of Object.entries(REQUIRED_DETAILS[type] ?? {})) {
    if (!fits(details[field], want)) throw invalid(id, `details.${field} of a ${type} event must be ${FIELD_NEEDS[want]}`);
  }
  for (const [field, allowed] of Object.entries(ALLOWED_VALUES[type] ?? {})) {
    const value = details[field];
    if (typeof value === 'string' && !allowed.includes(value)) throw invalid(id, `details.${field} of a ${type} event must be one of ${allowed.join(', ')}`);
  }
  return { eventId: id, type, source: event.source, node: event.node, taskId: event.taskId, round: event.round, details };
}

function fits(value: unknown, want: FieldType): boolean {
  switch (want) {
    case 'string':
      return typeof value === 'string' && value.length > 0;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0;
    case 'names':
      return Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0);
  }
}

function parseDetails(id: string, json: string): JsonObject {
  // proto3 cannot tell an empty string from an unset field; events without details send neither.
  if (json.trim() === '') return {};
  if (Buffer.byteLength(json, 'utf8') > EVENT_LIMITS.detailsBytes) throw invalid(id, `details_json is larger than ${EVENT_LIMITS.detailsBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw invalid(id, 'details_json is not valid JSON');
  }
  if (!isJsonObject(value)) throw invalid(id, 'details_json is not a JSON object');
  return value;
}

function invalid(eventId: string, problem: string): ValidationError {
  const which = eventId ? `audit event ${JSON.stringify(eventId)}` : 'audit event';
  return new ValidationError(`${which}: ${problem}`, { fix: 'send events as listed in @fmls/store audit-events.ts' });
}
