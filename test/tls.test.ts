/**
 * TLS on every channel (M-10.5), end to end with the real CLI: certificates from
 * `fmls certs`, an auditor serving mutual TLS to a client of its CA and refusing one of
 * another, agent-mode nodes and clients over TLS, `fmls simulate` with its default TLS,
 * and the refusal to serve plaintext beyond loopback. Needs the build (`npx tsc -b`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AuditorConnection, TlsCredentials, type AuditEvent } from '@fmls/wire';
import { countLogLines, daemonExit, expectExit, killAllChildren, makeTempDir, readJsonLines, removeTempDirs, runFmls, startDaemon, stopAllDaemons, tailFile, WAIT_MS } from './helpers';

let base: string;
let pki: string;
let otherPki: string;

/** The flags that give node NAME of the CA in DIR its identity. */
const tlsFlags = (dir: string, name: string): string[] => ['--tls-cert', join(dir, `${name}.crt`), '--tls-key', join(dir, `${name}.key`), '--tls-ca', join(dir, 'ca.crt')];
const identity = (dir: string, name: string, trust = dir): TlsCredentials =>
  TlsCredentials.load({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`), ca: join(trust, 'ca.crt') });
const event = (eventId: string): AuditEvent => ({ eventId, type: 'node-joined', source: 'coordinator', node: 'alice', taskId: 'task-1', round: 0, detailsJson: JSON.stringify({ samples: 10, classes: 2, backend: 'cpu' }), timeMs: Date.now() });

beforeAll(() => {
  base = makeTempDir('fmls-tls-it-');
  pki = join(base, 'pki');
  otherPki = join(base, 'other-pki');
});

afterEach(async () => {
  await stopAllDaemons();
});

afterAll(async () => {
  await killAllChildren();
  removeTempDirs();
});

describe('fmls certs', () => {
  it('init makes a CA and issue a node certificate for loopback and each --host, keys mode 0600', async () => {
    const init = await runFmls(['certs', 'init', pki]);
    expectExit(init, 0);
    expect(init.stdout).toMatch(/^created CA .*ca\.crt \(key .*ca\.key, mode 0600\), valid until \d{4}-\d\d-\d\d\n$/);
    for (const name of ['auditor', 'client', 'agent']) expectExit(await runFmls(['certs', 'issue', pki, '--name', name, '--host', 'node.example.org']), 0);
    expect(statSync(join(pki, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(pki, 'client.key')).mode & 0o777).toBe(0o600);
    const issued = await runFmls(['certs', 'issue', pki, '--name', 'coordinator', '--host', '10.0.0.5']);
    expectExit(issued, 0);
    expect(issued.stdout).toContain('for coordinator (localhost, 127.0.0.1, ::1, 10.0.0.5)');
    expectExit(await runFmls(['certs', 'init', otherPki]), 0);
    expectExit(await runFmls(['certs', 'issue', otherPki, '--name', 'intruder']), 0);
  });

  it('refuses to overwrite without --force, and names a missing CA', async () => {
    const before = readFileSync(join(pki, 'ca.crt'), 'utf8');
    const again = await runFmls(['certs', 'init', pki]);
    expectExit(again, 2);
    expect(again.stderr).toMatch(/^fmls: error: .*ca\.crt already exists \(pass --force/);
    expect(readFileSync(join(pki, 'ca.crt'), 'utf8')).toBe(before);
    const noCa = await runFmls(['certs', 'issue', join(base, 'empty'), '--name', 'x']);
    expectExit(noCa, 2);
    expect(noCa.stderr).toMatch(/^fmls: error: no CA certificate: .*ca\.crt does not exist \(create one with fmls certs init/);
    const badName = await runFmls(['certs', 'issue', pki, '--name', '../evil']);
    expectExit(badName, 2);
    expect(badName.stderr).toContain('--name "../evil" must be');
  });
});

describe('an auditor serving mutual TLS', () => {
  it('records an event from a client of its CA and refuses a client of another CA', async () => {
    const log = join(base, 'audit.jsonl');
    const logPath = join(base, 'auditor.log');
    const auditor = startDaemon('auditor', ['auditor', '--listen', '127.0.0.1:0', '--log', log, ...tlsFlags(pki, 'auditor')], logPath);
    const address = await auditor.waitListening(WAIT_MS);

    const good = new AuditorConnection(address, identity(pki, 'client'));
    await expect(good.record(event('from-client'), WAIT_MS)).resolves.toMatchObject({ ok: true });
    good.close();

    const intruder = new AuditorConnection(address, identity(otherPki, 'intruder', pki));
    const refused = intruder.record(event('from-intruder'), WAIT_MS);
    await expect(refused).rejects.toThrow(/^TLS handshake with 127\.0\.0\.1:\d+ failed: .*does not accept this certificate/);
    intruder.close();

    const plain = new AuditorConnection(address);
    await expect(plain.record(event('from-plaintext'), WAIT_MS)).rejects.toThrow(/requires TLS/);
    plain.close();

    auditor.process.kill('SIGTERM');
    expect(await daemonExit(auditor, WAIT_MS, logPath)).toBe(0);
    const ids = readJsonLines(log).map((r) => r.eventId);
    expect(ids).toContain('from-client');
    expect(ids).not.toContain('from-intruder');
    expect(ids).not.toContain('from-plaintext');
  });
});

describe('agent mode over TLS', () => {
  it('nodes register and clients list them with the FMLS_TLS_* variables; a client without TLS exits 2', async () => {
    const agentLog = join(base, 'agent.log');
    const agent = startDaemon('agent', ['agent', '--listen', '127.0.0.1:0', '--state-dir', join(base, 'agent-state'), ...tlsFlags(pki, 'agent')], agentLog);
    const agentAddress = await agent.waitListening(WAIT_MS);
    const auditorLog = join(base, 'agent-auditor.log');
    const auditor = startDaemon('auditor', ['auditor', '--agent', agentAddress, '--id', 'auditor-tls', '--listen', '127.0.0.1:0', '--log', join(base, 'agent-audit.jsonl'), ...tlsFlags(pki, 'auditor')], auditorLog);
    await auditor.waitListening(WAIT_MS);
    const env = { FMLS_TLS_CERT: join(pki, 'client.crt'), FMLS_TLS_KEY: join(pki, 'client.key'), FMLS_TLS_CA: join(pki, 'ca.crt') };
    let listed = '';
    for (const until = Date.now() + WAIT_MS; !listed.includes('auditor-tls') && Date.now() < until; ) {
      const list = await runFmls(['nodes', 'list', '--agent', agentAddress, '--json'], { env });
      expectExit(list, 0);
      listed = list.stdout;
    }
    expect(listed).toContain('auditor-tls');

    const plain = await runFmls(['nodes', 'list', '--agent', agentAddress]);
    expectExit(plain, 2);
    expect(plain.stderr).toMatch(/^fmls: error: cannot talk to 127\.0\.0\.1:\d+: it requires TLS and this connection has none/);

    const intruder = await runFmls(['nodes', 'list', '--agent', agentAddress, '--tls-cert', join(otherPki, 'intruder.crt'), '--tls-key', join(otherPki, 'intruder.key'), '--tls-ca', join(pki, 'ca.crt')]);
    expectExit(intruder, 2);
    expect(intruder.stderr).toMatch(/^fmls: error: TLS handshake with 127\.0\.0\.1:\d+ failed/);
    expect(intruder.ms).toBeLessThan(WAIT_MS);
  }, 60_000);
});

describe('plaintext beyond loopback', () => {
  it('a daemon listening on 0.0.0.0 without TLS exits 2 unless --insecure, which it warns about', async () => {
    const refused = await runFmls(['auditor', '--listen', '0.0.0.0:0', '--log', join(base, 'open.jsonl')]);
    expectExit(refused, 2);
    expect(refused.stderr).toMatch(/^fmls: error: --listen 0\.0\.0\.0:0 is not a loopback address: serving on it needs TLS \(--tls-cert\/--tls-key\) or an explicit --insecure/);
    expect(existsSync(join(base, 'open.jsonl'))).toBe(false);

    const logPath = join(base, 'insecure.log');
    const insecure = startDaemon('auditor', ['auditor', '--listen', '0.0.0.0:0', '--log', join(base, 'open.jsonl'), '--insecure'], logPath);
    const warnings = countLogLines(insecure, (l) => l.level === 40 && String(l.msg).startsWith('--insecure: serving without TLS on 0.0.0.0:0'));
    await insecure.waitListening(WAIT_MS);
    expect(warnings.count).toBe(1);
  });
});

describe('fmls simulate', () => {
  it('runs mutual TLS by default, with a throw-away CA in RUN/certs', async () => {
    const out = join(base, 'sim');
    const run = await runFmls(['simulate', '--dataset', 'breast-cancer', '--clients', '2', '--rounds', '2', '--out', out, '--json'], { timeoutMs: 120_000 });
    expectExit(run, 0);
    expect(JSON.parse(run.stdout)).toMatchObject({ metrics: { round: 2 }, audit: { ok: true } });
    for (const name of ['ca', 'auditor', 'coordinator', 'client-1', 'client-2']) {
      expect(existsSync(join(out, 'certs', `${name}.crt`))).toBe(true);
      expect(statSync(join(out, 'certs', `${name}.key`)).mode & 0o777).toBe(0o600);
    }
    for (const name of ['auditor', 'coordinator', 'client-1', 'client-2']) {
      const logPath = join(out, 'logs', `${name}.log`);
      const tls = readJsonLines(logPath).find((l) => l.tls !== undefined);
      if (tls?.tls !== 'mutual') throw new Error(`${name} did not run mutual TLS\n${tailFile(logPath, 10)}`);
    }
  }, 130_000);

  it('--no-tls runs plaintext and makes no certificates', async () => {
    const out = join(base, 'sim-plain');
    const run = await runFmls(['simulate', '--dataset', 'breast-cancer', '--clients', '2', '--rounds', '1', '--out', out, '--no-tls'], { timeoutMs: 120_000 });
    expectExit(run, 0);
    expect(existsSync(join(out, 'certs'))).toBe(false);
    expect(readJsonLines(join(out, 'logs', 'coordinator.log')).some((l) => l.tls !== undefined)).toBe(false);
  }, 130_000);
});
