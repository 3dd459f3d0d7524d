/**
 * Per-task records from the nodes' reports: each round's metrics (coordinator) and each
 * data owner's communication and training time (D-3), folded into running tallies, and
 * the details `fmls task status --details` shows (M-8.4).
 */
import { z } from 'zod';
import { parseValidatedJson, type TaskDetails } from '@fmls/core';
import { emptyTally, type TaskRecord } from './records';

const finite = z.number().finite();
const nonNegative = finite.nonnegative();
const name = z.string().min(1).max(200);

/** The coordinator's metrics line; only the fields the agent relies on are checked. */
const RoundPayload = z.looseObject({
  round: z.number().int().positive(),
  participants: z.array(name).max(100000),
  participantSamples: z.record(name, nonNegative).optional(),
  samples: nonNegative,
});

const NodeRoundPayload = z.object({
  round: z.number().int().nonnegative(),
  commSeconds: nonNegative,
  trainSeconds: nonNegative,
  bytesSent: nonNegative,
  bytesReceived: nonNegative,
});

/** Folds a closed round reported by the coordinator into the task. */
export function recordRound(task: TaskRecord, payloadJson: string): void {
  const m = parseValidatedJson(RoundPayload, payloadJson, 'round report');
  task.round = m.round;
  task.metrics = m as Record<string, unknown>;
  task.participants = m.participants;
  const samples = m.participantSamples ?? {};
  const total = Object.values(samples).reduce((s, v) => s + v, 0);
  for (const id of m.participants) {
    const t = (task.tallies[id] ??= emptyTally());
    t.roundsIn++;
    // Without per-node samples the round's weight is shared equally.
    t.shareSum += total > 0 ? (samples[id] ?? 0) / total : 1 / m.participants.length;
    if (samples[id] !== undefined) t.samples = samples[id];
  }
}

/** Folds a data owner's own account of a round (Welford's running mean and variance). */
export function recordNodeRound(task: TaskRecord, nodeId: string, payloadJson: string): void {
  const r = parseValidatedJson(NodeRoundPayload, payloadJson, 'node round report');
  const t = (task.tallies[nodeId] ??= emptyTally());
  t.commRounds++;
  const delta = r.commSeconds - t.commMean;
  t.commMean += delta / t.commRounds;
  t.commM2 += delta * (r.commSeconds - t.commMean);
  t.bytesSent += r.bytesSent;
  t.bytesReceived += r.bytesReceived;
  t.trainSeconds += r.trainSeconds;
}

export function taskDetails(task: TaskRecord, now = Date.now()): TaskDetails {
  const owners = task.members.filter((m) => m.role === 'data-owner').map((m) => m.nodeId);
  const tallies = owners.map((id) => [id, task.tallies[id] ?? emptyTally()] as const);
  return {
    rounds: task.round,
    durationS: task.startedAt ? ((task.finishedAt || now) - task.startedAt) / 1000 : null,
    bytesMoved: tallies.reduce((s, [, t]) => s + t.bytesSent + t.bytesReceived, 0),
    communication: tallies.map(([nodeId, t]) => ({
      nodeId,
      rounds: t.commRounds,
      meanS: t.commMean,
      varianceS2: t.commRounds > 1 ? t.commM2 / (t.commRounds - 1) : 0,
      bytesSent: t.bytesSent,
      bytesReceived: t.bytesReceived,
      trainSeconds: t.trainSeconds,
    })),
    contributions: tallies.map(([nodeId, t]) => ({
      nodeId,
      rounds: t.roundsIn,
      samples: t.samples,
      weightShare: t.roundsIn ? t.shareSum / t.roundsIn : 0,
      score: task.round ? t.shareSum / task.round : 0,
    })),
    history: task.history,
  };
}
