/**
 * The append-only, hash-chained audit log: one JSON record per line, each carrying
 * the hash of the one before it, so an edit, a deletion or a reordering shows on verify.
 */
import { appendFileSync, closeSync, existsSync, fdatasyncSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { FmlsError, IntegrityError, ValidationError } from '@fmls/core';
import { computeRecordHash, formatRecord, GENESIS_HASH, parseRecordLine, type AuditEventInput, type AuditRecord, type ChainHead } from './audit-record';
import { isJsonObject, toJson, type JsonObject } from './canonical-json';
import { acquireLock, type FileLock } from './file-lock';
import { readLogText, splitLines } from './read-lines';
import { verifyLogText } from './verify-log';

/** Options of {@link AuditLog.open}. */
export interface AuditLogOptions {
  /** Called with each record already in the file, oldest first, once it verifies: how a daemon rebuilds its state. */
  replay?: (record: AuditRecord) => void;
  /** How many of the most recent eventIds {@link AuditLog.has} remembers. Default 100 000. */
  rememberIds?: number;
}

const DEFAULT_REMEMBER_IDS = 100_000;

/** An open audit log. One writer per file (a lock file `<path>.lock` enforces it). */
export class AuditLog {
  private chainHead: ChainHead;
  private readonly recentIds = new Set<string>();
  private fd: number | undefined;
  private failure: unknown;

  private constructor(
    /** The log file. */
    readonly path: string,
    private readonly lock: FileLock,
    private readonly rememberIds: number,
  ) {
    this.chainHead = { seq: 0, hash: GENESIS_HASH };
  }

  /**
   * Opens the log at `path`, creating it and its folder when missing. An existing log is
   * verified first: a broken chain is never extended.
   *
   * @throws IntegrityError naming the first bad record when the log fails verification;
   *   InputError when it cannot be read, created or locked.
   */
  static open(path: string, options: AuditLogOptions = {}): AuditLog {
    mkdirSync(dirname(path), { recursive: true });
    const lock = acquireLock(`${path}.lock`, `audit log ${path}`);
    try {
      const log = new AuditLog(path, lock, options.rememberIds ?? DEFAULT_REMEMBER_IDS);
      log.load(options.replay);
      return log;
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** The last record's seq and hash (seq 0 and {@link GENESIS_HASH} when empty). */
  get head(): ChainHead {
    return { ...this.chainHead };
  }

  /** Whether a record with this eventId is among the most recent `rememberIds` records. */
  has(eventId: string): boolean {
    return this.recentIds.has(eventId);
  }

  /**
   * Appends one record and waits until it is on disk (fdatasync). After a failed write the
   * log refuses further appends: the file may end in a partial line, which a restart's
   * verification will show.
   *
   * @throws ValidationError when a field cannot be stored as given.
   */
  append(event: AuditEventInput): AuditRecord {
    if (this.fd === undefined) throw new FmlsError(`audit log ${this.path} is closed`);
    if (this.failure !== undefined) {
      throw new IntegrityError(`audit log ${this.path} stopped taking records after a failed write`, {
        fix: 'check the disk, then restart the auditor (it verifies the log when it starts)',
        cause: this.failure,
      });
    }
    const record = this.buildRecord(event);
    try {
      appendFileSync(this.fd, `${formatRecord(record)}\n`);
      fdatasyncSync(this.fd);
    } catch (err) {
      this.failure = err;
      throw new FmlsError(`cannot write audit log ${this.path}: ${(err as Error).message}`, { fix: 'check the disk', cause: err });
    }
    this.chainHead = { seq: record.seq, hash: record.hash };
    this.remember(record.eventId);
    return record;
  }

  /** Closes the file and releases the lock; later appends throw. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    this.lock.release();
  }

  private buildRecord(event: AuditEventInput): AuditRecord {
    for (const field of ['eventId', 'type', 'source', 'node', 'taskId'] as const) {
      if (typeof event[field] !== 'string') throw new ValidationError(`audit event ${field} must be a string`);
    }
    if (!Number.isSafeInteger(event.round) || event.round < 0) {
      throw new ValidationError(`audit event round ${String(event.round)} must be a non-negative integer`);
    }
    // Hash what will read back from the file, so values JSON changes (NaN, undefined) cannot break the chain.
    const details = toJson(event.details);
    if (!isJsonObject(details)) throw new ValidationError('audit event details must be a JSON object');
    const content: Omit<AuditRecord, 'hash'> = {
      seq: this.chainHead.seq + 1,
      time: (event.time ?? new Date()).toISOString(),
      eventId: event.eventId,
      type: event.type,
      source: event.source,
      node: event.node,
      taskId: event.taskId,
      round: event.round,
      details: details as JsonObject,
      prevHash: this.chainHead.hash,
    };
    return { ...content, hash: computeRecordHash(content) };
  }

  private load(replay: AuditLogOptions['replay']): void {
    const exists = existsSync(this.path);
    const text = exists ? readLogText(this.path) : '';
    const result = verifyLogText(text);
    if (!result.ok) {
      const first = result.problems[0];
      const more = result.problems.length > 1 ? ` (and ${result.problems.length - 1} more problem(s))` : '';
      throw new IntegrityError(`audit log ${this.path} fails verification at record ${first.position}: ${first.kind}: ${first.detail}${more}`, {
        fix: `run \`fmls audit verify ${this.path}\` to list every problem; keep the file as evidence and start a new log with another --log path`,
      });
    }
    for (const line of splitLines(text)) {
      const parsed = parseRecordLine(line.text);
      if (!parsed.ok) continue; // Unreachable: the log verified.
      replay?.(parsed.record);
      this.remember(parsed.record.eventId);
    }
    this.chainHead = result.head;
    this.fd = openSync(this.path, 'a');
    // A last line without its newline (a hand edit) would otherwise swallow the next record.
    if (text.length > 0 && !text.endsWith('\n')) appendFileSync(this.fd, '\n');
    if (!exists) syncDirectory(dirname(this.path));
  }

  private remember(eventId: string): void {
    this.recentIds.delete(eventId);
    this.recentIds.add(eventId);
    if (this.recentIds.size > this.rememberIds) {
      const oldest = this.recentIds.values().next();
      if (!oldest.done) this.recentIds.delete(oldest.value);
    }
  }
}

/** Makes a new file's directory entry durable; not possible on every platform, and then skipped. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open a directory; the file itself is still synced on each append.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
