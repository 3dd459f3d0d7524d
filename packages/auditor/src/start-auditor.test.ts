import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, IntegrityError } from '@fmls/core';
import { readLog } from '@fmls/store';
import { AuditorConnection, GrpcStatus } from '@fmls/wire';
import { startAuditor, type RunningAuditor } from './start-auditor';
import { wireEvent } from './test-events';

const logger = createLogger({ name: 'auditor-test', level: 'silent' });
const listen = { host: '127.0.0.1', port: 0 };
let dir: string;
let running: RunningAuditor | undefined;
let conn: AuditorConnection | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fmls-start-auditor-'));
});
afterEach(async () => {
  conn?.close();
  await running?.stop();
  running = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('startAuditor', () => {
  it('serves Record over gRPC and writes the log', async () => {
    const logPath = join(dir, 'audit.jsonl');
    running = await startAuditor({ listen, logPath, logger });
    expect(running.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(running.address).not.toMatch(/:0$/);
    conn = new AuditorConnection(running.address);
    const event = wireEvent({ eventId: 'j1' });
    await expect(conn.record(event)).resolves.toMatchObject({ ok: true });
    await expect(conn.record(event)).resolves.toMatchObject({ message: /duplicate/ });
    await expect(conn.record({ ...event, eventId: 'j2', detailsJson: '[]' })).rejects.toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT });
    await running.stop();
    await running.stop(); // twice is fine
    running = undefined;
    expect(readLog(logPath).map((r) => r.type)).toEqual(['auditor-started', 'node-joined']);
  });

  it('refuses to start on a tampered log, and releases it', async () => {
    const logPath = join(dir, 'audit.jsonl');
    running = await startAuditor({ listen, logPath, logger });
    await running.stop();
    running = undefined;
    writeFileSync(logPath, readFileSync(logPath, 'utf8').replace('"auditor-started"', '"anomaly"'));
    await expect(startAuditor({ listen, logPath, logger })).rejects.toThrow(IntegrityError);
    writeFileSync(logPath, '');
    running = await startAuditor({ listen, logPath, logger });
  });
});
