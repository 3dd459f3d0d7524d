/**
 * A lock file beside the log: two writers appending to one log would interleave and
 * break the chain, so a second auditor on the same file is refused instead.
 */
import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { InputError } from '@fmls/core';

/** Lock paths held by this process; a lock naming our pid but not listed here is stale (pid reused after a restart). */
const heldHere = new Set<string>();

/** A held lock; `release()` removes the file. */
export interface FileLock {
  release(): void;
}

/**
 * Takes `lockPath`, clearing it first when the process that wrote it is gone.
 *
 * @throws InputError when a live process holds it.
 */
export function acquireLock(lockPath: string, what: string): FileLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      heldHere.add(lockPath);
      return { release: () => releaseLock(lockPath) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new InputError(`cannot lock ${what}: ${(err as Error).message}`, { fix: 'check that its folder is writable', cause: err });
      }
      const owner = readOwner(lockPath);
      if (owner !== undefined && isAlive(owner, lockPath)) {
        throw new InputError(`${what} is in use by process ${owner}`, {
          fix: `stop that process, or delete ${lockPath} if it is not an fmls auditor`,
        });
      }
      try {
        unlinkSync(lockPath);
      } catch {
        // Another process cleared it first; the next attempt decides who gets it.
      }
    }
  }
  throw new InputError(`cannot lock ${what}: another process keeps taking ${lockPath}`, { fix: 'stop the other auditor' });
}

function releaseLock(lockPath: string): void {
  if (!heldHere.delete(lockPath)) return;
  try {
    unlinkSync(lockPath);
  } catch {
    // Already gone: nothing to release.
  }
}

function readOwner(lockPath: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number, lockPath: string): boolean {
  if (pid === process.pid) return heldHere.has(lockPath);
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
