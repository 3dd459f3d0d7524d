import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, ValidationError } from '@fmls/core';
import { AuditLog, readLog, verifyLog } from '@fmls/store';
import { AuditorHandler } from './auditor-handler';
import { DigestCrossCheck } from './digest-cross-check';
import { wireEvent } from './test-events';

const logger = createLogger({ name: 'auditor-test', level: 'silent' });
let dir: string;
let path: string;
let log: AuditLog;
let handler: AuditorHandler;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fmls-auditor-'));
  path = join(dir, 'audit.jsonl');
  log = AuditLog.open(path);
  handler = new AuditorHandler(log, new DigestCrossCheck(), logger);
});
afterEach(() => {
  log.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AuditorHandler', () => {
  it('records an event once, acknowledging a retry without a second record', () => {
    expect(handler.record(wireEvent())).toEqual({ ok: true, message: 'recorded as 1' });
    expect(handler.record(wireEvent())).toEqual({ ok: true, message: 'duplicate: already recorded' });
    expect(log.head.seq).toBe(1);
  });

  it('refuses an invalid event and records nothing', () => {
    expect(() => handler.record(wireEvent({ type: 'bogus' }))).toThrow(ValidationError);
    expect(log.head.seq).toBe(0);
  });

  it('appends an anomaly after the second of two disagreeing digest reports', () => {
    handler.record(wireEvent({ eventId: 's1', type: 'update-sent', source: 'data-owner:alice', round: 4, details: { digest: 'aaa', samples: 10, modelVersion: 3 } }));
    handler.record(wireEvent({ eventId: 'a1', type: 'update-accepted', round: 4, details: { digest: 'bbb', samples: 10, modelVersion: 3, uploadId: 'u' } }));
    log.close();
    const records = readLog(path);
    expect(records.map((r) => r.type)).toEqual(['update-sent', 'update-accepted', 'anomaly']);
    expect(records[2]).toMatchObject({ source: 'auditor', node: 'alice', round: 4, details: { reason: 'digest-mismatch', sentDigest: 'aaa', acceptedDigest: 'bbb' } });
    expect(verifyLog(path).ok).toBe(true);
  });

  it('records its own start', () => {
    const start = handler.recordStart();
    expect(start).toMatchObject({ seq: 1, type: 'auditor-started', source: 'auditor', details: {} });
    expect(start.eventId).toMatch(/^auditor:started:/);
  });
});
