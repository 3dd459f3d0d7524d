import { parseTaskSpec } from '@fmls/core';
import type { TaskRecord } from './records';
import { recordNodeRound, recordRound, taskDetails } from './task-tallies';

function task(): TaskRecord {
  return {
    id: 't-1', spec: parseTaskSpec({ model: { type: 'logistic-regression' }, data: { label: 'y' } }), name: 't', priority: 'medium', state: 'running',
    submittedAt: 0, startedAt: 1000, finishedAt: 5000, served: true, coordinatorAddress: '', auditorAddress: '',
    members: [{ nodeId: 'a', role: 'data-owner', state: 'active' }, { nodeId: 'b', role: 'data-owner', state: 'active' }],
    topologyVersion: 1, topologyHistory: [], round: 0, metrics: {}, participants: [], waitingFor: '', reason: '', tallies: {}, history: [], artifacts: [],
  };
}

describe('task tallies', () => {
  it('computes per-node mean and sample variance of communication time (D-3)', () => {
    const t = task();
    for (const [round, s] of [[1, 0.2], [2, 0.4], [3, 0.9]] as const) {
      recordNodeRound(t, 'a', JSON.stringify({ round, commSeconds: s, trainSeconds: 1, bytesSent: 100, bytesReceived: 50 }));
    }
    const c = taskDetails(t).communication.find((x) => x.nodeId === 'a');
    // mean 0.5; deviations -0.3, -0.1, 0.4 → squares 0.09+0.01+0.16 = 0.26, /2 = 0.13
    expect(c?.meanS).toBeCloseTo(0.5, 12);
    expect(c?.varianceS2).toBeCloseTo(0.13, 12);
    expect(c).toMatchObject({ rounds: 3, bytesSent: 300, bytesReceived: 150, trainSeconds: 3 });
    expect(taskDetails(t).bytesMoved).toBe(450);
    expect(taskDetails(t).durationS).toBe(4);
  });

  it('scores contributions by FedAvg weight share over the rounds run', () => {
    const t = task();
    recordRound(t, JSON.stringify({ round: 1, participants: ['a', 'b'], participantSamples: { a: 300, b: 100 }, samples: 400, accuracy: 0.9 }));
    recordRound(t, JSON.stringify({ round: 2, participants: ['a'], participantSamples: { a: 300 }, samples: 300 }));
    const byId = Object.fromEntries(taskDetails(t).contributions.map((c) => [c.nodeId, c]));
    expect(byId.a).toMatchObject({ rounds: 2, samples: 300 });
    expect(byId.a.weightShare).toBeCloseTo((0.75 + 1) / 2, 12);
    expect(byId.a.score).toBeCloseTo(1.75 / 2, 12);
    expect(byId.b.score).toBeCloseTo(0.25 / 2, 12);
    expect(t.round).toBe(2);
    expect(t.participants).toEqual(['a']);
  });

  it('refuses malformed reports before they touch the record', () => {
    const t = task();
    expect(() => recordNodeRound(t, 'a', '{"round":1,"commSeconds":-1,"trainSeconds":0,"bytesSent":0,"bytesReceived":0}')).toThrow(/commSeconds/);
    expect(() => recordRound(t, 'not json')).toThrow(/not JSON/);
    expect(() => recordRound(t, JSON.stringify({ round: 1, participants: ['a'], samples: Infinity }))).toThrow();
    expect(t.tallies).toEqual({});
    expect(t.round).toBe(0);
  });
});
