import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { createLogger, InputError } from '@fmls/core';
import { TlsCredentials } from '@fmls/wire';
import { createCa, issueCert } from './certs/authority';
import { addClientTlsOptions, addDaemonTlsOptions, daemonTls, parseTlsFlags } from './tls-options';

let dir: string;
let files: { tlsCert: string; tlsKey: string; tlsCa: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fmls-tls-options-'));
  await createCa(dir);
  await issueCert(dir, { name: 'node' });
  await issueCert(dir, { name: 'other' });
  files = { tlsCert: join(dir, 'node.crt'), tlsKey: join(dir, 'node.key'), tlsCa: join(dir, 'ca.crt') };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logger = createLogger({ name: 'tls-options-test', level: 'silent' });
const loopback = { host: '127.0.0.1', port: 7000 };
const anyHost = { host: '0.0.0.0', port: 7000 };

describe('parseTlsFlags', () => {
  it('is plaintext without flags, TLS with cert and key, mutual with the CA too', () => {
    expect(parseTlsFlags({})).toBeUndefined();
    expect(parseTlsFlags({ tlsCert: files.tlsCert, tlsKey: files.tlsKey })?.mutual).toBe(false);
    expect(parseTlsFlags(files)?.mutual).toBe(true);
  });

  it('refuses incomplete sets, naming the missing flag', () => {
    expect(() => parseTlsFlags({ tlsCert: files.tlsCert })).toThrow('--tls-cert needs --tls-key');
    expect(() => parseTlsFlags({ tlsKey: files.tlsKey })).toThrow('--tls-key needs --tls-cert');
    expect(() => parseTlsFlags({ tlsCa: files.tlsCa })).toThrow('--tls-ca needs --tls-cert and --tls-key');
  });

  it('says which file is wrong and how', () => {
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'hello');
    const broken = join(dir, 'broken.crt');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const cases: Array<[object, RegExp]> = [
      [{ tlsCert: join(dir, 'missing.crt') }, /cannot read TLS certificate .*missing\.crt: ENOENT/],
      [{ tlsCert: garbage }, /TLS certificate .*garbage\.pem is not a PEM file/],
      [{ tlsCert: files.tlsKey, tlsKey: files.tlsCert }, /TLS certificate .*node\.key holds PRIVATE KEY, not CERTIFICATE/],
      [{ tlsCert: broken }, /TLS certificate .*broken\.crt cannot be parsed/],
      [{ tlsKey: join(dir, 'other.key') }, /TLS key .*other\.key does not belong to certificate .*node\.crt/],
      [{ tlsCa: files.tlsKey }, /TLS CA certificate .*node\.key holds PRIVATE KEY, not CERTIFICATE/],
    ];
    for (const [override, message] of cases) {
      expect(() => parseTlsFlags({ ...files, ...override })).toThrow(message);
      expect(() => parseTlsFlags({ ...files, ...override })).toThrow(InputError);
    }
  });

  it('refuses an expired certificate', async () => {
    const old = mkdtempSync(join(tmpdir(), 'fmls-tls-old-'));
    try {
      const now = new Date(Date.now() - 30 * 86_400_000);
      await createCa(old, { now });
      await issueCert(old, { name: 'old', now, days: 1 });
      expect(() => TlsCredentials.load({ cert: join(old, 'old.crt'), key: join(old, 'old.key') })).toThrow(/TLS certificate .*old\.crt expired on \d{4}-/);
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });
});

describe('daemonTls', () => {
  it('serves plaintext on loopback without complaint', () => {
    const warn = jest.spyOn(logger, 'warn');
    expect(daemonTls({}, loopback, logger)).toBeUndefined();
    expect(daemonTls({}, { host: 'localhost', port: 1 }, logger)).toBeUndefined();
    expect(daemonTls({}, { host: '[::1]', port: 1 }, logger)).toBeUndefined();
    expect(daemonTls({}, undefined, logger)).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });

  it('refuses plaintext on any other address unless --insecure, which warns once', () => {
    expect(() => daemonTls({}, anyHost, logger)).toThrow(/^--listen 0\.0\.0\.0:7000 is not a loopback address: serving on it needs TLS \(--tls-cert\/--tls-key\) or an explicit --insecure$/);
    expect(() => daemonTls({}, { host: 'node.example.org', port: 1 }, logger)).toThrow(InputError);
    const warn = jest.spyOn(logger, 'warn').mockClear();
    expect(daemonTls({ insecure: true }, anyHost, logger)).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][1])).toMatch(/--insecure: serving without TLS on 0\.0\.0\.0:7000/);
  });

  it('serves TLS anywhere, and refuses --insecure beside it', () => {
    expect(daemonTls(files, anyHost, logger)?.mutual).toBe(true);
    expect(() => daemonTls({ ...files, insecure: true }, anyHost, logger)).toThrow('--insecure contradicts --tls-cert');
  });
});

describe('option definitions', () => {
  it('daemons get the three flags and --insecure when they listen', () => {
    const longs = (c: Command): string[] => c.options.map((o) => o.long ?? '');
    expect(longs(addDaemonTlsOptions(new Command('auditor')))).toEqual(['--tls-cert', '--tls-key', '--tls-ca', '--insecure']);
    expect(longs(addDaemonTlsOptions(new Command('data-owner'), false))).toEqual(['--tls-cert', '--tls-key', '--tls-ca']);
  });

  it('agent clients get them with FMLS_TLS_* fallbacks, and only subcommands taking --agent', () => {
    const group = new Command('task').exitOverride();
    const seen: Record<string, unknown> = {};
    group.command('list').option('--agent <a>').action((flags: Record<string, unknown>) => {
      Object.assign(seen, flags);
    });
    group.command('local').option('--json');
    addClientTlsOptions(group);
    expect(group.commands[1].options.map((o) => o.long)).toEqual(['--json']);
    const saved = { ...process.env };
    try {
      process.env.FMLS_TLS_CERT = '/env/node.crt';
      process.env.FMLS_TLS_KEY = '/env/node.key';
      group.parse(['list', '--tls-key', '/flag/node.key'], { from: 'user' });
    } finally {
      process.env = saved;
    }
    expect(seen).toEqual({ tlsCert: '/env/node.crt', tlsKey: '/flag/node.key' });
  });
});
