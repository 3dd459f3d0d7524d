import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegrityError, InputError } from '@fmls/core';
import { AuditLog } from './audit-log';
import { computeRecordHash, GENESIS_HASH, type AuditEventInput, type AuditRecord } from './audit-record';
import { readLog } from './read-log';
import { verifyLog } from './verify-log';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fmls-audit-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function event(i: number, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return { eventId: `e${i}`, type: 'heartbeat-lost', source: 'coordinator', node: 'alice', taskId: 't1', round: i, details: { silentForS: i }, ...overrides };
}

describe('AuditLog', () => {
  it('creates the file and its folder, chains records from the genesis hash, and verifies', () => {
    const path = join(dir, 'nested', 'audit.jsonl');
    const log = AuditLog.open(path);
    expect(log.head).toEqual({ seq: 0, hash: GENESIS_HASH });
    const first = log.append(event(1));
    const second = log.append(event(2));
    log.close();

    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, eventId: 'e1', details: { silentForS: 1 } });
    expect(second.seq).toBe(2);
    expect(second.prevHash).toBe(first.hash);
    expect(first.hash).toBe(computeRecordHash(first as unknown as Record<string, unknown>));
    expect(new Date(first.time).toISOString()).toBe(first.time);

    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(3); // two records and the final newline
    expect(verifyLog(path)).toEqual({ ok: true, records: 2, problems: [], head: { seq: 2, hash: second.hash } });
    expect(readLog(path)).toEqual([first, second]);
  });

  it('continues the chain when reopened, replaying the existing records', () => {
    const path = join(dir, 'audit.jsonl');
    const log = AuditLog.open(path);
    log.append(event(1));
    const last = log.append(event(2));
    log.close();

    const replayed: AuditRecord[] = [];
    const again = AuditLog.open(path, { replay: (r) => replayed.push(r) });
    expect(replayed.map((r) => r.seq)).toEqual([1, 2]);
    expect(again.head).toEqual({ seq: 2, hash: last.hash });
    expect(again.has('e1')).toBe(true);
    const third = again.append(event(3));
    again.close();
    expect(third).toMatchObject({ seq: 3, prevHash: last.hash });
    expect(verifyLog(path).ok).toBe(true);
  });

  it('stores details as they read back from JSON, so odd values cannot break the chain', () => {
    const path = join(dir, 'audit.jsonl');
    const log = AuditLog.open(path);
    const odd = { loss: Number.NaN, skipped: undefined, note: 'line\nbreak \u2028' } as unknown as AuditEventInput['details'];
    const rec = log.append(event(1, { details: odd }));
    log.close();
    expect(rec.details).toEqual({ loss: null, note: 'line\nbreak \u2028' });
    expect(verifyLog(path).ok).toBe(true);
  });

  it('refuses fields that could not be read back as a record', () => {
    const log = AuditLog.open(join(dir, 'audit.jsonl'));
    expect(() => log.append(event(1, { round: 1.5 }))).toThrow(/round/);
    expect(() => log.append(event(1, { details: [1] as unknown as AuditEventInput['details'] }))).toThrow(/details/);
    expect(log.head.seq).toBe(0);
    log.close();
  });

  it('remembers only the most recent eventIds', () => {
    const log = AuditLog.open(join(dir, 'audit.jsonl'), { rememberIds: 2 });
    for (let i = 1; i <= 3; i++) log.append(event(i));
    expect([log.has('e1'), log.has('e2'), log.has('e3'), log.has('nope')]).toEqual([false, true, true, false]);
    log.close();
  });

  it('refuses to open a tampered log, naming the first bad record', () => {
    const path = join(dir, 'audit.jsonl');
    const log = AuditLog.open(path);
    for (let i = 1; i <= 3; i++) log.append(event(i));
    log.close();
    writeFileSync(path, readFileSync(path, 'utf8').replace('"silentForS":2', '"silentForS":20'));

    expect(() => AuditLog.open(path)).toThrow(IntegrityError);
    expect(() => AuditLog.open(path)).toThrow(/record 2: edited/);
  });

  it('refuses a second writer while the first holds the log', () => {
    const path = join(dir, 'audit.jsonl');
    const log = AuditLog.open(path);
    expect(() => AuditLog.open(path)).toThrow(InputError);
    expect(() => AuditLog.open(path)).toThrow(/in use by process/);
    log.close();
    AuditLog.open(path).close();
  });

  it('takes over a lock left by a process that is gone', () => {
    const path = join(dir, 'audit.jsonl');
    writeFileSync(`${path}.lock`, '999999999\n');
    const log = AuditLog.open(path);
    log.append(event(1));
    log.close();
    expect(verifyLog(path).records).toBe(1);
  });

  it('starts the next record on a new line when the last one lost its newline', () => {
    const path = join(dir, 'audit.jsonl');
    const log = AuditLog.open(path);
    log.append(event(1));
    log.close();
    writeFileSync(path, readFileSync(path, 'utf8').trimEnd());
    const again = AuditLog.open(path);
    again.append(event(2));
    again.close();
    expect(verifyLog(path)).toMatchObject({ ok: true, records: 2 });
  });

  it('refuses appends after close', () => {
    const log = AuditLog.open(join(dir, 'audit.jsonl'));
    log.close();
    expect(() => log.append(event(1))).toThrow(/closed/);
  });
});
