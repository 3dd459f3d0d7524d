import type { AuditRecord, JsonObject } from '@fmls/store';
import { DigestCrossCheck } from './digest-cross-check';

let seq = 0;
function rec(type: string, node: string, round: number, details: JsonObject): AuditRecord {
  seq++;
  return { seq, time: '', eventId: `e${seq}`, type, source: 'x', node, taskId: 't1', round, details, prevHash: '', hash: '' };
}

describe('DigestCrossCheck', () => {
  it('is quiet when the digests agree, in either order', () => {
    const check = new DigestCrossCheck();
    expect(check.observe(rec('update-sent', 'a', 1, { digest: 'd1' }))).toBeUndefined();
    expect(check.observe(rec('update-accepted', 'a', 1, { digest: 'd1' }))).toBeUndefined();
    expect(check.observe(rec('update-accepted', 'b', 1, { digest: 'd2' }))).toBeUndefined();
    expect(check.observe(rec('update-sent', 'b', 1, { digest: 'd2' }))).toBeUndefined();
  });

  it('flags an accepted digest that differs from the one sent', () => {
    const check = new DigestCrossCheck();
    const sent = rec('update-sent', 'a', 2, { digest: 'good' });
    check.observe(sent);
    const accepted = rec('update-accepted', 'a', 2, { digest: 'bad' });
    expect(check.observe(accepted)).toEqual({
      eventId: `auditor:anomaly:${accepted.seq}`, type: 'anomaly', source: 'auditor', node: 'a', taskId: 't1', round: 2,
      details: { reason: 'digest-mismatch', sentDigest: 'good', acceptedDigest: 'bad', sentEventId: sent.eventId, acceptedEventId: accepted.eventId },
    });
  });

  it('flags a sent digest that arrives after a different accepted one', () => {
    const check = new DigestCrossCheck();
    check.observe(rec('update-accepted', 'a', 3, { digest: 'x' }));
    expect(check.observe(rec('update-sent', 'a', 3, { digest: 'y' }))?.details).toMatchObject({ sentDigest: 'y', acceptedDigest: 'x' });
  });

  it('does not compare different rounds, nodes or other event types', () => {
    const check = new DigestCrossCheck();
    check.observe(rec('update-sent', 'a', 1, { digest: 'x' }));
    expect(check.observe(rec('update-accepted', 'a', 2, { digest: 'y' }))).toBeUndefined();
    expect(check.observe(rec('update-accepted', 'b', 1, { digest: 'y' }))).toBeUndefined();
    expect(check.observe(rec('update-rejected', 'a', 1, { digest: 'y' }))).toBeUndefined();
  });

  it('forgets the oldest rounds past its capacity', () => {
    const check = new DigestCrossCheck(1);
    check.observe(rec('update-sent', 'a', 1, { digest: 'x' }));
    check.observe(rec('update-sent', 'a', 2, { digest: 'x' }));
    expect(check.observe(rec('update-accepted', 'a', 1, { digest: 'y' }))).toBeUndefined();
  });
});
