/** Starting and stopping a gRPC server on HOST:PORT, with errors a user can act on. */
import * as grpc from '@grpc/grpc-js';
import { InputError } from '@fmls/core';
import { type HostPort } from './address';
import type { TlsCredentials } from './tls';
import { serverCredentials } from './tls-channel';

export interface RunningServer {
  /** The bound address, with the real port when 0 was asked for. */
  address: string;
  port: number;
  /** Stops accepting calls; forces close after graceMs. */
  shutdown(graceMs?: number): Promise<void>;
}

/** Server options: messages are at most a 1 MiB chunk plus headers. */
const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_receive_message_length': 8 << 20,
  'grpc.max_send_message_length': 8 << 20,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 5000,
};

/**
 * Serves on `listen`. With `tls` the server speaks TLS only, and asks every client for a
 * certificate signed by its CA when it names one (mutual TLS); without, plaintext.
 */
export async function startServer(listen: HostPort, register: (server: grpc.Server) => void, tls?: TlsCredentials): Promise<RunningServer> {
  const credentials = serverCredentials(tls);
  const server = new grpc.Server(SERVER_OPTIONS);
  register(server);
  const target = `${listen.host}:${listen.port}`;
  // grpc-js also prints bind failures to stderr; ours below says it once, with the fix.
  grpc.setLogVerbosity(grpc.logVerbosity.NONE);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(target, credentials, (err, boundPort) => {
      if (err) {
        const inUse = /EADDRINUSE|address already in use/i.test(err.message);
        const denied = /EACCES/i.test(err.message);
        const noAddr = /EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN/i.test(err.message);
        reject(
          new InputError(
            inUse ? `cannot listen on ${target}: port ${listen.port} is in use`
              : denied ? `cannot listen on ${target}: permission denied`
              : noAddr ? `cannot listen on ${target}: no such local address`
              : `cannot listen on ${target}: ${err.message}`,
            { fix: inUse ? 'stop the other process or pick another --listen port' : 'pick another --listen address', cause: err },
          ),
        );
      } else resolve(boundPort);
    });
  }).finally(() => grpc.setLogVerbosity(grpc.logVerbosity.ERROR));
  return {
    address: `${listen.host}:${port}`,
    port,
    shutdown(graceMs = 2000) {
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
