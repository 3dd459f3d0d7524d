/**
 * Verifying the audit log's hash chain. Every line is checked on its own (shape, hash
 * over content) and against its neighbours by seq (order, gaps, links), so each kind of
 * tampering is reported at the line where it shows.
 */
import { computeRecordHash, GENESIS_HASH, parseRecordLine, type ChainHead } from './audit-record';
import { readLogText, splitLines } from './read-lines';

/** How a line fails verification. */
export type ProblemKind = 'malformed' | 'edited' | 'dropped' | 'reordered' | 'broken-link';

/** One verification failure, at a 1-based line position. */
export interface VerifyProblem {
  position: number;
  kind: ProblemKind;
  detail: string;
}

/** The outcome of {@link verifyLog}. */
export interface VerifyResult {
  /** True when there are no problems. */
  ok: boolean;
  /** Lines that parsed as records (malformed lines not counted). */
  records: number;
  problems: VerifyProblem[];
  /** The record with the highest seq, {@link GENESIS_HASH} at seq 0 for an empty log. */
  head: ChainHead;
}

/** What the second pass needs of a well-formed line: about 150 bytes a record. */
interface Link {
  position: number;
  seq: number;
  prevHash: string;
  hash: string;
}

/**
 * Verifies the log at `path`. Detects lines that are not records (`malformed`), records
 * whose hash does not match their content (`edited`), missing seqs (`dropped`), seqs out
 * of file order or repeated (`reordered`) and records whose prevHash is not the hash of
 * the record before them (`broken-link`: also what an edit with a recomputed hash leaves
 * on the next record). Records cut off the end of the file cannot be detected from the
 * file alone: compare `head` with a copy kept elsewhere for that.
 *
 * @throws InputError when the file cannot be read.
 */
export function verifyLog(path: string): VerifyResult {
  return verifyLogText(readLogText(path));
}

/** {@link verifyLog} on the file's text. */
export function verifyLogText(text: string): VerifyResult {
  const problems: VerifyProblem[] = [];
  const links: Link[] = [];
  for (const line of splitLines(text)) {
    const parsed = parseRecordLine(line.text);
    if (!parsed.ok) {
      problems.push({ position: line.position, kind: 'malformed', detail: parsed.detail });
      continue;
    }
    const { record, raw } = parsed;
    if (computeRecordHash(raw) !== record.hash) {
      problems.push({ position: line.position, kind: 'edited', detail: 'hash does not match its content' });
    }
    links.push({ position: line.position, seq: record.seq, prevHash: record.prevHash, hash: record.hash });
  }
  problems.push(...checkOrderAndLinks(links));
  problems.sort((a, b) => a.position - b.position);
  const head = links.reduce<ChainHead>((h, l) => (l.seq > h.seq ? { seq: l.seq, hash: l.hash } : h), { seq: 0, hash: GENESIS_HASH });
  return { ok: problems.length === 0, records: links.length, problems, head };
}

function checkOrderAndLinks(links: readonly Link[]): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const bySeq = new Map<number, Link>();
  for (const l of links) if (!bySeq.has(l.seq)) bySeq.set(l.seq, l);
  const sortedSeqs = [...bySeq.keys()].sort((a, b) => a - b);
  let maxSeq = 0;
  let maxPosition = 0;
  for (const l of links) {
    const first = bySeq.get(l.seq) as Link;
    if (first !== l) {
      problems.push({ position: l.position, kind: 'reordered', detail: `seq ${l.seq} repeats (first at record ${first.position})` });
      continue;
    }
    if (l.seq <= maxSeq) {
      problems.push({ position: l.position, kind: 'reordered', detail: `seq ${l.seq} comes after seq ${maxSeq} (record ${maxPosition})` });
    } else if (l.seq > maxSeq + 1) {
      const missing = countMissing(sortedSeqs, maxSeq + 1, l.seq - 1);
      problems.push(
        missing > 0
          ? { position: l.position, kind: 'dropped', detail: `seq jumps from ${maxSeq} to ${l.seq}: ${missing} record(s) missing before it` }
          : { position: l.position, kind: 'reordered', detail: `seq ${l.seq} comes before seq ${maxSeq + 1}, which appears later` },
      );
    }
    if (l.seq > maxSeq) {
      maxSeq = l.seq;
      maxPosition = l.position;
    }
    // Links follow seq, not file order, so a swap shows once as `reordered`, not again as broken links.
    const before = l.seq === 1 ? { hash: GENESIS_HASH, position: 0 } : bySeq.get(l.seq - 1);
    if (before && l.prevHash !== before.hash) {
      const what = before.position === 0 ? `${GENESIS_HASH.slice(0, 8)}… (first record)` : `the hash of seq ${l.seq - 1} (record ${before.position})`;
      problems.push({ position: l.position, kind: 'broken-link', detail: `prevHash does not match ${what}` });
    }
  }
  return problems;
}

/** Seqs in [from, to] absent from the file; by binary search, as a forged seq can be huge. */
function countMissing(sortedSeqs: readonly number[], from: number, to: number): number {
  return to - from + 1 - (lowerBound(sortedSeqs, to + 1) - lowerBound(sortedSeqs, from));
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
