/** HOST:PORT parsing shared by every daemon flag. */
import { InputError } from '@fmls/core';

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(text: string, flag: string, allowPortZero = false): HostPort {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535 || (port === 0 && !allowPortZero)) {
    throw new InputError(`${flag} ${JSON.stringify(text)} is not HOST:PORT`, { fix: `e.g. ${flag} 127.0.0.1:7000` });
  }
  return { host: m[1], port };
}

export function formatHostPort(hp: HostPort): string {
  return `${hp.host}:${hp.port}`;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}
