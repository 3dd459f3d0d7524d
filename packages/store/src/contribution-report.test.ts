import { AuditEventType as T } from './audit-events';
import type { AuditRecord } from './audit-record';
import type { JsonObject } from './canonical-json';
import { contributionReport } from './contribution-report';

let seq = 0;
function rec(type: string, node: string, round: number, details: JsonObject = {}, source = 'coordinator'): AuditRecord {
  seq++;
  return { seq, time: new Date(seq * 1000).toISOString(), eventId: `e${seq}`, type, source, node, taskId: 't1', round, details, prevHash: '', hash: '' };
}

describe('contributionReport', () => {
  it('tallies each node from a hand-written task', () => {
    const records = [
      rec(T.auditorStarted, '', 0, {}, 'auditor'),
      rec(T.taskStarted, 'coordinator', 0, { taskId: 't1', spec: {}, minClients: 2 }),
      rec(T.nodeJoined, 'alice', 0, { samples: 300, classes: 2, backend: 'cpu' }),
      rec(T.nodeJoined, 'bob', 0, { samples: 100, classes: 2, backend: 'cpu' }),
      rec(T.joinRefused, 'eve', 0, { reason: 'not admitted' }),
      rec(T.updateSent, 'alice', 1, { digest: 'a1', samples: 300, modelVersion: 0 }, 'data-owner:alice'),
      rec(T.updateAccepted, 'alice', 1, { digest: 'a1', samples: 300, modelVersion: 0, uploadId: 'u1' }),
      rec(T.updateAccepted, 'bob', 1, { digest: 'b1', samples: 100, modelVersion: 0, uploadId: 'u2' }),
      rec(T.roundClosed, '', 1, { version: 1, participants: ['alice', 'bob'], metrics: {} }),
      rec(T.heartbeatLost, 'bob', 2, { silentForS: 12 }),
      rec(T.heartbeatRestored, 'bob', 2),
      rec(T.updateAccepted, 'alice', 2, { digest: 'a2', samples: 300, modelVersion: 1, uploadId: 'u3' }),
      rec(T.updateRejected, 'bob', 2, { reason: 'digest mismatch', digest: 'bx', samples: 5000 }),
      rec(T.anomaly, 'bob', 2, { reason: 'digest-mismatch' }, 'auditor'),
      rec(T.roundRetried, '', 2, { reason: 'too few updates', received: 1, needed: 2 }),
      rec(T.updateAccepted, 'alice', 2, { digest: 'a3', samples: 300, modelVersion: 1, uploadId: 'u4' }),
      rec(T.updateAccepted, 'bob', 2, { digest: 'b2', samples: 100, modelVersion: 1, uploadId: 'u5' }),
      rec(T.nodeLeft, 'bob', 2, { reason: 'done' }),
      rec(T.taskFinished, 'coordinator', 2, { outcome: 'succeeded', reason: 'rounds done', rounds: 2, metrics: {} }),
    ];
    const rows = contributionReport(records);
    expect(rows.map((r) => r.node)).toEqual(['alice', 'bob', 'eve']);
    const [alice, bob, eve] = rows;
    expect(alice).toEqual({
      node: 'alice', samples: 300, roundsParticipated: 2, acceptedUpdates: 3, rejectedUpdates: 0,
      heartbeatLosses: 0, joins: 1, leaves: 0, anomalies: 0, contributionShare: 900 / 1100,
    });
    expect(bob).toEqual({
      node: 'bob', samples: 100, roundsParticipated: 2, acceptedUpdates: 2, rejectedUpdates: 1,
      heartbeatLosses: 1, joins: 1, leaves: 1, anomalies: 1, contributionShare: 200 / 1100,
    });
    expect(eve).toMatchObject({ joins: 0, acceptedUpdates: 0, contributionShare: 0 });
  });

  it('weighs an accepted update without a sample count by the last count reported', () => {
    const rows = contributionReport([
      rec(T.nodeJoined, 'a', 0, { samples: 50, classes: 2, backend: 'cpu' }),
      rec(T.updateAccepted, 'a', 1, { digest: 'x' }),
      rec(T.nodeJoined, 'b', 0, { samples: 150, classes: 2, backend: 'cpu' }),
      rec(T.updateAccepted, 'b', 1, { digest: 'y' }),
    ]);
    expect(rows.map((r) => r.contributionShare)).toEqual([0.25, 0.75]);
  });

  it('gives no shares when nothing was accepted, and no rows without node events', () => {
    expect(contributionReport([rec(T.nodeJoined, 'a', 0, { samples: 1, classes: 2, backend: 'cpu' })])[0].contributionShare).toBe(0);
    expect(contributionReport([rec(T.taskStarted, '', 0), rec(T.auditorStarted, 'auditor', 0)])).toEqual([]);
  });
});
