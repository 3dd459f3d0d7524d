/** Reading and writing the PEM files of `fmls certs`, with one-line errors that say what to do. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '@fmls/core';

export function readCertFile(path: string, what: string, fix: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InputError(code === 'ENOENT' ? `no ${what}: ${path} does not exist` : `cannot read ${what} ${path}: ${code}`, { fix, cause: err });
  }
}

/**
 * Writes a certificate and its key. Neither is written unless both may be: replacing a
 * key silently would orphan every certificate it signed. The key file is mode 0600.
 */
export async function writePemFiles(files: { cert: string; key: string }, certPem: string, keyPem: string, force: boolean): Promise<void> {
  if (!force) {
    for (const path of [files.cert, files.key]) {
      if (existsSync(path)) throw new InputError(`${path} already exists`, { fix: 'pass --force to replace it (peers holding the old one are no longer matched), or choose another name or directory' });
    }
  }
  const dir = dirname(files.key);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(files.key, keyPem, { mode: 0o600 });
    // mode applies to new files only; an existing (forced) one keeps its mode otherwise.
    chmodSync(files.key, 0o600);
    writeFileSync(files.cert, certPem, { mode: 0o644 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InputError(`cannot write to ${dir}: ${code}`, { fix: 'choose a directory you can write to', cause: err });
  }
}
