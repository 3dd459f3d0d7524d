/** Node names and subject alternative names for `fmls certs issue`. */
import { isIP } from 'node:net';
import { InputError } from '@fmls/core';

/** A SAN as @peculiar/x509 takes it. */
export interface SanEntry {
  type: 'dns' | 'ip';
  value: string;
}

/** Every node certificate is valid on loopback, where simulate and single-host setups connect. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DNS_NAME = /^(\*\.)?(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/;

/** The name becomes the CN and the file names NAME.crt/NAME.key. */
export function checkNodeName(name: string): string {
  if (!NODE_NAME.test(name)) {
    throw new InputError(`--name ${JSON.stringify(name)} must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`, { fix: 'e.g. --name coordinator or --name hospital-a' });
  }
  if (name === 'ca') throw new InputError('--name ca would overwrite the CA files', { fix: 'pick another name' });
  return name;
}

/** localhost, 127.0.0.1 and ::1, then each host (DNS name or IP, [v6] brackets allowed), without duplicates. */
export function subjectAltNames(hosts: readonly string[]): SanEntry[] {
  const seen = new Set<string>();
  const out: SanEntry[] = [];
  for (const raw of [...LOOPBACK_NAMES, ...hosts]) {
    const host = raw.trim().replace(/^\[(.*)\]$/, '$1');
    const entry: SanEntry = isIP(host) ? { type: 'ip', value: host } : { type: 'dns', value: host.toLowerCase().replace(/\.$/, '') };
    if (entry.type === 'dns' && !DNS_NAME.test(host)) {
      throw new InputError(`--host ${JSON.stringify(raw)} is neither a DNS name nor an IP address`, { fix: 'give a name or address without a port, e.g. --host coord.example.org or --host 10.0.0.5' });
    }
    const key = `${entry.type}:${entry.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}
