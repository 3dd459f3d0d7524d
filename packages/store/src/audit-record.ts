/** One record of the audit log: its shape, its hash, and parsing a line back into it. */
import { createHash } from 'node:crypto';
import { canonicalJson, isJsonObject, type JsonObject } from './canonical-json';

/** prevHash of record 1: nothing comes before it. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a caller hands to {@link AuditLog.append}; the log adds seq, time and the hashes. */
export interface AuditEventInput {
  /** Unique per event; a retried event with a known id is not recorded twice. */
  eventId: string;
  /** One of {@link AUDIT_EVENT_TYPES}. */
  type: string;
  /** Who reports it: `coordinator`, `data-owner:<id>` or `auditor`. */
  source: string;
  /** The node the event is about; empty for task-level events. */
  node: string;
  /** Empty when the event belongs to no task. */
  taskId: string;
  /** Training round, 0 when it does not apply. */
  round: number;
  /** Event details (see {@link AuditEventDetails}); must be a JSON object. */
  details: JsonObject;
  /** Record time; default: now. */
  time?: Date;
}

/** A record as stored: one JSON object per line. */
export interface AuditRecord extends Omit<AuditEventInput, 'time'> {
  /** 1, 2, 3, ... in file order. */
  seq: number;
  /** When the auditor recorded it (ISO 8601, auditor's clock). */
  time: string;
  /** `hash` of the record before it; {@link GENESIS_HASH} for record 1. */
  prevHash: string;
  /** SHA-256 (hex) of the canonical JSON of this record without `hash`. */
  hash: string;
}

/** The chain's end: what the next record links to. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** The hash a record must carry: SHA-256 over its canonical JSON without `hash`. */
export function computeRecordHash(record: Record<string, unknown>): string {
  const { hash: _hash, ...content } = record;
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/** The record's line in the file, without the newline. */
export function formatRecord(record: AuditRecord): string {
  return canonicalJson(record);
}

const HEX64 = /^[0-9a-f]{64}$/;
const STRING_FIELDS = ['time', 'eventId', 'type', 'source', 'node', 'taskId'] as const;

/** A line that parsed to a record, or why it did not. */
export type ParsedLine = { ok: true; record: AuditRecord; raw: JsonObject } | { ok: false; detail: string };

/**
 * Parses one line. Only shape is checked here (types of the known fields); whether the
 * hash matches is the verifier's job, so extra fields are kept in `raw` and hashed.
 */
export function parseRecordLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, detail: 'not valid JSON' };
  }
  if (!isJsonObject(value)) return { ok: false, detail: 'not a JSON object' };
  const v = value as Record<string, unknown>;
  if (!Number.isSafeInteger(v.seq) || (v.seq as number) < 1) return { ok: false, detail: 'seq missing or not a positive integer' };
  if (!Number.isSafeInteger(v.round) || (v.round as number) < 0) return { ok: false, detail: 'round missing or not a non-negative integer' };
  for (const field of STRING_FIELDS) {
    if (typeof v[field] !== 'string') return { ok: false, detail: `${field} missing or not a string` };
  }
  if (!isJsonObject(v.details)) return { ok: false, detail: 'details missing or not an object' };
  for (const field of ['prevHash', 'hash'] as const) {
    if (typeof v[field] !== 'string' || !HEX64.test(v[field])) return { ok: false, detail: `${field} missing or not 64 hex digits` };
  }
  return { ok: true, record: value as unknown as AuditRecord, raw: value };
}
