/**
 * The probe must never call an ordinary outage a TLS problem: that would stop the retry
 * loops for a peer that is merely restarting. (Handshakes with real certificates are
 * tested in packages/cli/src/certs/handshake.test.ts, where certificates are made.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@fmls/core';
import { startServer } from './server';
import { TlsCredentials } from './tls';
import { hostOf, portOf } from './tls-channel';
import { probeTls } from './tls-probe';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

it('splits HOST:PORT and [V6]:PORT', () => {
  expect([hostOf('127.0.0.1:7000'), portOf('127.0.0.1:7000')]).toEqual(['127.0.0.1', 7000]);
  expect([hostOf('[::1]:7001'), portOf('[::1]:7001')]).toEqual(['::1', 7001]);
  expect(hostOf('node.example.org:1')).toBe('node.example.org');
});

describe('probeTls without TLS of its own finds no TLS problem in', () => {
  it('a closed port', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise<void>((r) => server.close(() => r()));
    await expect(probeTls(`127.0.0.1:${port}`, undefined)).resolves.toBeUndefined();
  });

  it('a peer that drops every connection', async () => {
    const server = createServer((socket) => socket.destroy());
    const port = await listen(server);
    await expect(probeTls(`127.0.0.1:${port}`, undefined)).resolves.toBeUndefined();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('a plaintext gRPC server', async () => {
    const server = await startServer({ host: '127.0.0.1', port: 0 }, () => undefined);
    await expect(probeTls(server.address, undefined)).resolves.toBeUndefined();
    await server.shutdown(0);
  });
});

it('TlsCredentials.load names an unreadable or non-PEM file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fmls-tls-load-'));
  try {
    writeFileSync(join(dir, 'x.crt'), 'not pem');
    expect(() => TlsCredentials.load({ cert: join(dir, 'none.crt'), key: join(dir, 'none.key') })).toThrow(/^cannot read TLS certificate .*none\.crt: ENOENT$/);
    expect(() => TlsCredentials.load({ cert: join(dir, 'x.crt'), key: join(dir, 'none.key') })).toThrow(InputError);
    expect(() => TlsCredentials.load({ cert: join(dir, 'x.crt'), key: join(dir, 'none.key') })).toThrow(/is not a PEM file$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
