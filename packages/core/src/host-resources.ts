/**
 * The resources a node reports to the agent (M-8.3): CPUs, GPUs and free disk. Only
 * what the operating system says; an operator can override GPUs and declares bandwidth.
 */
import { execFile } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export function cpuCount(): number {
  return availableParallelism();
}

/** Free space in MiB of the file system holding `dir`; -1 if it cannot be measured. */
export function freeDiskMb(dir: string): number {
  try {
    const s = statfsSync(dir);
    return Math.round((s.bavail * s.bsize) / (1024 * 1024));
  } catch {
    return -1;
  }
}

/** GPUs `nvidia-smi -L` lists; 0 when it is missing or does not answer within 5 s. */
export function detectGpus(): Promise<number> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['-L'], { timeout: 5000 }, (err, stdout) => {
      if (err) resolve(0);
      else resolve(stdout.split('\n').filter((l) => /^GPU \d+/.test(l.trim())).length);
    });
  });
}
