/**
 * The throw-away PKI of one `fmls simulate` run: a fresh CA in RUN/certs and one
 * certificate per process, so the simulated federation runs mutual TLS like a real one.
 */
import { join } from 'node:path';
import { caFiles, createCa, issueCert } from '../certs/authority';

/** Per process name, the flags that give it its certificate, key and the run's CA. */
export type TlsArgs = (name: string) => string[];

/** Creates RUN/certs/ca.* and NAME.* for each name (replacing a previous run's), valid for a week. */
export async function prepareRunCerts(runDir: string, names: readonly string[]): Promise<TlsArgs> {
  const dir = join(runDir, 'certs');
  const ca = caFiles(dir);
  await createCa(dir, { days: 7, force: true });
  const issued = new Map<string, { cert: string; key: string }>();
  for (const name of names) issued.set(name, (await issueCert(dir, { name, days: 7, force: true })).files);
  return (name) => {
    const files = issued.get(name);
    if (!files) throw new Error(`no certificate was issued for ${name}`);
    return ['--tls-cert', files.cert, '--tls-key', files.key, '--tls-ca', ca.cert];
  };
}

/** Without TLS every process gets no extra flags. */
export const NO_TLS: TlsArgs = () => [];
