/**
 * Splitting one dataset across simulated clients (`fmls simulate`), and into train and
 * test rows. Everything is driven by a seed so a run can be repeated exactly.
 */
import { InputError } from '@fmls/core';
import { distinctClasses } from './dataset';
import { Rng } from './rng';

/** How rows are dealt to clients: uniformly at random, or with label skew. */
export type PartitionSpec = { kind: 'iid' } | { kind: 'dirichlet'; alpha: number };

const PARTITION_FIX = 'use --partition iid or --partition dirichlet:ALPHA with ALPHA > 0 (e.g. dirichlet:0.5; smaller is more skewed)';

/**
 * Parses "iid" or "dirichlet:<alpha>" (alpha > 0, finite).
 * @throws InputError for anything else.
 */
export function parsePartition(text: string): PartitionSpec {
  const trimmed = text.trim();
  if (trimmed === 'iid') return { kind: 'iid' };
  const match = /^dirichlet:(.*)$/.exec(trimmed);
  if (match) {
    const alphaText = (match[1] ?? '').trim();
    const alpha = alphaText === '' ? Number.NaN : Number(alphaText);
    if (Number.isFinite(alpha) && alpha > 0) return { kind: 'dirichlet', alpha };
    throw new InputError(`partition "${text}": alpha must be a number > 0, got "${alphaText}"`, { fix: PARTITION_FIX });
  }
  throw new InputError(`unknown partition "${text}"`, { fix: PARTITION_FIX });
}

/** Redraws of the Dirichlet proportions before falling back to moving rows. */
const MAX_DIRICHLET_ATTEMPTS = 100;

/** The fewest rows a client may get: at least 2, and at least a tenth of a fair share. */
export function minRowsPerClient(n: number, clients: number): number {
  return Math.max(2, Math.floor(n / (clients * 10)));
}

/** Proportions ~ Dir(alpha, …, alpha) over k parts. */
function dirichlet(rng: Rng, alpha: number, k: number): number[] {
  const draws = Array.from({ length: k }, () => rng.gamma(alpha));
  const sum = draws.reduce((a, b) => a + b, 0);
  // With a tiny alpha every gamma draw can underflow to 0; the limit of Dir(alpha) as
  // alpha → 0 puts all mass on one part, so do that.
  if (!(sum > 0)) {
    const one = rng.int(k);
    return draws.map((_, i) => (i === one ? 1 : 0));
  }
  return draws.map((g) => g / sum);
}

function iidPartition(n: number, clients: number, rng: Rng): number[][] {
  const rows = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const base = Math.floor(n / clients);
  const extra = n % clients;
  const parts: number[][] = [];
  let start = 0;
  for (let c = 0; c < clients; c++) {
    const size = base + (c < extra ? 1 : 0);
    parts.push(rows.slice(start, start + size));
    start += size;
  }
  return parts;
}

function dirichletDraw(byClass: number[][], clients: number, alpha: number, rng: Rng): number[][] {
  const parts: number[][] = Array.from({ length: clients }, () => []);
  for (const classRows of byClass) {
    const rows = rng.shuffle([...classRows]);
    const p = dirichlet(rng, alpha, clients);
    let cumulative = 0;
    let start = 0;
    p.forEach((share, c) => {
      cumulative += share;
      const end = c === clients - 1 ? rows.length : Math.min(rows.length, Math.round(cumulative * rows.length));
      parts[c]?.push(...rows.slice(start, end));
      start = Math.max(start, end);
    });
  }
  return parts;
}

/** Moves rows from the largest client to the smallest until every client has `min`. */
function topUp(parts: number[][], min: number, rng: Rng): void {
  for (;;) {
    let small = 0;
    let large = 0;
    parts.forEach((p, c) => {
      if (p.length < (parts[small]?.length ?? 0)) small = c;
      if (p.length > (parts[large]?.length ?? 0)) large = c;
    });
    const smallPart = parts[small];
    const largePart = parts[large];
    if (!smallPart || !largePart || smallPart.length >= min) return;
    const [row] = largePart.splice(rng.int(largePart.length), 1);
    if (row !== undefined) smallPart.push(row);
  }
}

/**
 * Deals row indices 0..n−1 (n = labels.length) to `clients` clients; each row goes to
 * exactly one client, and the result depends only on the arguments. Each client's rows
 * are returned in ascending order.
 *
 * - iid: shuffle, then split into near-equal parts.
 * - dirichlet: label skew in the style of Hsu et al. (2019): for each class, proportions
 *   ~ Dir(alpha) over the clients split that class's shuffled rows. Proportions are redrawn
 *   (up to 100 times) until every client has at least max(2, floor(n / (clients·10))) rows;
 *   if that never happens, rows are moved from the largest client to the smallest.
 *
 * @throws InputError when clients is not an integer in [1, n/2].
 */
export function partitionRows(labels: readonly string[], clients: number, spec: PartitionSpec, seed: number): number[][] {
  const n = labels.length;
  if (!Number.isInteger(clients) || clients < 1 || clients > n / 2) {
    throw new InputError(`cannot split ${n} rows across ${clients} clients: each client needs at least 2 rows`, {
      fix: `use between 1 and ${Math.max(1, Math.floor(n / 2))} clients`,
    });
  }
  const rng = new Rng(seed);
  let parts: number[][];
  if (spec.kind === 'iid') {
    parts = iidPartition(n, clients, rng);
  } else {
    const classIndex = new Map(distinctClasses(labels).map((c, i) => [c, i] as const));
    const byClass: number[][] = Array.from({ length: classIndex.size }, () => []);
    labels.forEach((label, i) => byClass[classIndex.get(label) ?? 0]?.push(i));
    const min = minRowsPerClient(n, clients);
    parts = dirichletDraw(byClass, clients, spec.alpha, rng);
    for (let attempt = 1; attempt < MAX_DIRICHLET_ATTEMPTS && parts.some((p) => p.length < min); attempt++) {
      parts = dirichletDraw(byClass, clients, spec.alpha, rng);
    }
    topUp(parts, min, rng);
  }
  return parts.map((p) => p.sort((a, b) => a - b));
}
