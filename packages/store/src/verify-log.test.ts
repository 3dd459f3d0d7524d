import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@fmls/core';
import { AuditLog } from './audit-log';
import { computeRecordHash } from './audit-record';
import { canonicalJson } from './canonical-json';
import { verifyLog, type VerifyProblem } from './verify-log';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fmls-verify-'));
  path = join(dir, 'audit.jsonl');
  const log = AuditLog.open(path);
  for (let i = 1; i <= 10; i++) {
    log.append({ eventId: `e${i}`, type: 'update-accepted', source: 'coordinator', node: 'alice', taskId: 't1', round: i, details: { digest: `d${i}`, samples: 100 } });
  }
  log.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The file's lines (without the final empty one) for tampering. */
function lines(): string[] {
  return readFileSync(path, 'utf8').trimEnd().split('\n');
}
function save(ls: string[]): void {
  writeFileSync(path, `${ls.join('\n')}\n`);
}
function edit(position: number, change: (r: Record<string, unknown>) => void, rehash = false): void {
  const ls = lines();
  const r = JSON.parse(ls[position - 1]) as Record<string, unknown>;
  change(r);
  if (rehash) r.hash = computeRecordHash(r);
  ls[position - 1] = canonicalJson(r);
  save(ls);
}
function kinds(problems: VerifyProblem[]): Array<[number, string]> {
  return problems.map((p) => [p.position, p.kind]);
}

describe('verifyLog', () => {
  it('passes an untouched log', () => {
    const result = verifyLog(path);
    expect(result).toMatchObject({ ok: true, records: 10, problems: [] });
    expect(result.head.seq).toBe(10);
  });

  it('finds an edited record (details changed) at its position', () => {
    edit(7, (r) => ((r.details as Record<string, unknown>).samples = 1_000_000));
    const result = verifyLog(path);
    expect(result.ok).toBe(false);
    expect(kinds(result.problems)).toEqual([[7, 'edited']]);
    expect(result.problems[0].detail).toBe('hash does not match its content');
  });

  it('finds an edit whose hash was recomputed, as a broken link on the next record', () => {
    edit(4, (r) => (r.node = 'mallory'), true);
    expect(kinds(verifyLog(path).problems)).toEqual([[5, 'broken-link']]);
  });

  it('finds a deleted line as a dropped record where the gap shows', () => {
    const ls = lines();
    ls.splice(5, 1); // record 6
    save(ls);
    const result = verifyLog(path);
    expect(kinds(result.problems)).toEqual([[6, 'dropped']]);
    expect(result.problems[0].detail).toMatch(/from 5 to 7: 1 record\(s\) missing/);
    expect(result.records).toBe(9);
  });

  it('finds a deleted first line', () => {
    save(lines().slice(1));
    expect(kinds(verifyLog(path).problems)).toEqual([[1, 'dropped']]);
  });

  it('finds two swapped lines as reordered, at both positions', () => {
    const ls = lines();
    [ls[2], ls[3]] = [ls[3], ls[2]];
    save(ls);
    expect(kinds(verifyLog(path).problems)).toEqual([[3, 'reordered'], [4, 'reordered']]);
  });

  it('finds a record moved far down as reordered, not dropped', () => {
    const ls = lines();
    const [moved] = ls.splice(1, 1);
    ls.push(moved);
    save(ls);
    expect(kinds(verifyLog(path).problems)).toEqual([[2, 'reordered'], [10, 'reordered']]);
  });

  it('finds a duplicated line', () => {
    const ls = lines();
    ls.splice(3, 0, ls[2]);
    save(ls);
    const problems = verifyLog(path).problems;
    expect(kinds(problems)).toEqual([[4, 'reordered']]);
    expect(problems[0].detail).toMatch(/repeats/);
  });

  it('finds an edited prevHash as a broken link (and an edit, unless the hash was recomputed)', () => {
    edit(5, (r) => (r.prevHash = 'f'.repeat(64)));
    expect(kinds(verifyLog(path).problems)).toEqual([[5, 'edited'], [5, 'broken-link']]);
    edit(5, () => undefined, true);
    expect(kinds(verifyLog(path).problems)).toEqual([[5, 'broken-link'], [6, 'broken-link']]);
  });

  it('finds a wrong prevHash on the first record', () => {
    edit(1, (r) => (r.prevHash = 'a'.repeat(64)), true);
    const problems = verifyLog(path).problems;
    expect(kinds(problems)).toEqual([[1, 'broken-link'], [2, 'broken-link']]);
    expect(problems[0].detail).toMatch(/first record/);
  });

  it('finds malformed lines and still checks the rest', () => {
    const ls = lines();
    ls[1] = '{"seq": 2, truncated';
    ls[8] = '';
    save(ls);
    const result = verifyLog(path);
    expect(kinds(result.problems)).toEqual([[2, 'malformed'], [3, 'dropped'], [9, 'malformed'], [10, 'dropped']]);
    expect(result.problems[0].detail).toBe('not valid JSON');
  });

  it('names a missing or mistyped field', () => {
    edit(3, (r) => delete r.seq);
    edit(4, (r) => (r.hash = 'xyz'));
    const problems = verifyLog(path).problems.filter((p) => p.kind === 'malformed');
    expect(problems.map((p) => [p.position, p.detail])).toEqual([
      [3, 'seq missing or not a positive integer'],
      [4, 'hash missing or not 64 hex digits'],
    ]);
  });

  it('treats an added field as an edit', () => {
    edit(2, (r) => (r.extra = true));
    expect(kinds(verifyLog(path).problems)).toEqual([[2, 'edited']]);
  });

  it('stays fast when a forged seq is huge', () => {
    edit(10, (r) => (r.seq = Number.MAX_SAFE_INTEGER));
    expect(kinds(verifyLog(path).problems)).toEqual([[10, 'edited'], [10, 'dropped']]);
  });

  it('accepts an empty log and reports an unreadable one as bad input', () => {
    writeFileSync(path, '');
    expect(verifyLog(path)).toMatchObject({ ok: true, records: 0, head: { seq: 0 } });
    expect(() => verifyLog(join(dir, 'missing.jsonl'))).toThrow(InputError);
    expect(() => verifyLog(join(dir, 'missing.jsonl'))).toThrow(/no such file/);
  });
});
