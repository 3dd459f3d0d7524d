/**
 * Certificates from `fmls certs` on real gRPC channels: mutual TLS works with the
 * federation's certificates, and every way of getting it wrong fails at once, with a
 * message that names the problem, and is not retried as if the peer were down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, NetworkError } from '@fmls/core';
import { addAuditorService, AuditorConnection, isTransient, retry, startServer, TlsCredentials, type AuditEvent, type RunningServer } from '@fmls/wire';
import { createCa, issueCert } from './authority';

let dir: string;
let tlsServer: RunningServer;
let plainServer: RunningServer;
const received: string[] = [];

const identity = (ca: string, node: string, trust = ca): TlsCredentials =>
  TlsCredentials.load({ cert: join(dir, ca, `${node}.crt`), key: join(dir, ca, `${node}.key`), ca: join(dir, trust, 'ca.crt') });

const event = (eventId: string): AuditEvent => ({ eventId, type: 'node-joined', source: 'test', node: 'n', taskId: 't', round: 0, detailsJson: '{}', timeMs: Date.now() });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fmls-handshake-'));
  await createCa(join(dir, 'fed'));
  await createCa(join(dir, 'other'));
  for (const name of ['auditor', 'client']) await issueCert(join(dir, 'fed'), { name });
  await issueCert(join(dir, 'other'), { name: 'intruder' });
  const handlers = {
    record: (e: { eventId: string }) => {
      received.push(e.eventId);
      return { ok: true, message: '' };
    },
  };
  tlsServer = await startServer({ host: '127.0.0.1', port: 0 }, (s) => addAuditorService(s, handlers), identity('fed', 'auditor'));
  plainServer = await startServer({ host: '127.0.0.1', port: 0 }, (s) => addAuditorService(s, handlers));
});

afterAll(async () => {
  await tlsServer.shutdown(0);
  await plainServer.shutdown(0);
  rmSync(dir, { recursive: true, force: true });
});

/** The error of one Record call, and how long it took. */
async function failure(address: string, tls: TlsCredentials | undefined): Promise<{ err: NetworkError; ms: number }> {
  const conn = new AuditorConnection(address, tls);
  const started = Date.now();
  try {
    await conn.record(event(`e-${started}`), 5000);
    throw new Error('the call succeeded');
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    return { err, ms: Date.now() - started };
  } finally {
    conn.close();
  }
}

it('a client holding a certificate from the same CA is served over mutual TLS', async () => {
  const conn = new AuditorConnection(tlsServer.address, identity('fed', 'client'));
  await expect(conn.record(event('good'))).resolves.toMatchObject({ ok: true });
  conn.close();
  expect(received).toContain('good');
});

it('also by name: localhost is in every certificate', async () => {
  const conn = new AuditorConnection(`localhost:${tlsServer.port}`, identity('fed', 'client'));
  await expect(conn.record(event('by-name'))).resolves.toMatchObject({ ok: true });
  conn.close();
});

describe('each misconfiguration fails at once with what to fix, as bad input, not as an outage', () => {
  const cases: Array<[string, () => [string, TlsCredentials | undefined], RegExp]> = [
    ['a client certificate from another CA', () => [tlsServer.address, identity('other', 'intruder', 'fed')], /^TLS handshake with 127\.0\.0\.1:\d+ failed: the peer closed the connection during the handshake: it does not accept this certificate$/],
    ['a server certificate from a CA the client does not trust', () => [tlsServer.address, identity('fed', 'client', 'other')], /^TLS handshake with 127\.0\.0\.1:\d+ failed: the peer's certificate is signed by an unknown CA$/],
    ['a client without TLS', () => [tlsServer.address, undefined], /^cannot talk to 127\.0\.0\.1:\d+: it requires TLS and this connection has none$/],
    ['a TLS client and a plaintext server', () => [plainServer.address, identity('fed', 'client')], /^TLS handshake with 127\.0\.0\.1:\d+ failed: the peer does not speak TLS$/],
  ];
  it.each(cases)('%s', async (_what, target, message) => {
    const before = received.length;
    const { err, ms } = await failure(...target());
    expect(err.message).toMatch(message);
    expect(err.fix).toBeTruthy();
    expect(err.exitCode).toBe(ExitCode.badInput);
    expect(isTransient(err)).toBe(false);
    expect(ms).toBeLessThan(3000);
    expect(received.length).toBe(before);
  });
});

it('a retry loop with a long connect timeout ends at the first TLS failure', async () => {
  const conn = new AuditorConnection(tlsServer.address, identity('other', 'intruder', 'fed'));
  const started = Date.now();
  await expect(retry(() => conn.record(event('retried')), { totalMs: 30_000 })).rejects.toThrow(/^TLS handshake with/);
  expect(Date.now() - started).toBeLessThan(3000);
  conn.close();
});

it('a TLS peer that is down is still an outage worth retrying', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const { err } = await failure(`127.0.0.1:${port}`, identity('fed', 'client'));
  expect(err.message).toMatch(/^Record to 127\.0\.0\.1:\d+ failed: UNAVAILABLE/);
  expect(isTransient(err)).toBe(true);
});
