/**
 * Files over a gRPC stream (model artifacts between coordinator, agent and client): per
 * file a header (plain name, size, SHA-256), then its bytes in order in chunks of at most
 * 1 MiB. The receiver writes each file beside its destination and renames it into place
 * only when size and digest check out, so a broken transfer never leaves a partial file.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ValidationError } from '@fmls/core';
import type { FileHeader, FileHeader__Output } from './generated/fmls/v1/FileHeader';
import type { FilePart, FilePart__Output } from './generated/fmls/v1/FilePart';

const CHUNK = 1 << 20;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface FileLimits {
  /** Files per stream; default 32. */
  maxFiles?: number;
  /** Bytes per file; default 2 GiB. */
  maxFileBytes?: number;
}

/**
 * A file to send: a path (read when its turn comes, sent under its base name), or bytes
 * already in memory under a plain name (a file decrypted from storage, which must not be
 * written out in plaintext just to be sent).
 */
export type FileSource = string | { name: string; bytes: Uint8Array };

/** The parts that send `files` (one at a time); `auth` fills the headers' task and node fields. */
export function* fileParts(files: FileSource[], auth: Pick<FileHeader, 'taskId' | 'nodeId' | 'nodeToken'> = {}): Generator<FilePart> {
  for (const file of files) {
    const [name, bytes] = typeof file === 'string' ? [basename(file), readFileSync(file)] : [file.name, file.bytes];
    yield { header: { ...auth, name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest() } };
    for (let offset = 0; offset < bytes.length; offset += CHUNK) {
      yield { chunk: { offset, data: bytes.subarray(offset, Math.min(offset + CHUNK, bytes.length)) } };
    }
  }
}

/**
 * Receives files, checking each one. `destination` sees every header before any byte is
 * written: it authorizes it (or throws) and names the directory the file goes to.
 * Returns the names received, in order.
 */
export async function receiveFiles(
  parts: AsyncIterable<FilePart__Output>,
  destination: (header: FileHeader__Output) => string,
  limits: FileLimits = {},
): Promise<string[]> {
  const maxFiles = limits.maxFiles ?? 32;
  const maxBytes = limits.maxFileBytes ?? 2 ** 31;
  const names: string[] = [];
  let current: { header: FileHeader__Output; dir: string; fd: number; tmp: string; written: number; hash: ReturnType<typeof createHash> } | undefined;

  const finish = (): void => {
    if (!current) return;
    const { header, dir, fd, tmp, written, hash } = current;
    fsyncSync(fd);
    closeSync(fd);
    current = undefined;
    if (written !== header.size) throw new ValidationError(`file ${header.name}: ${written} of ${header.size} bytes arrived`);
    if (!hash.digest().equals(header.sha256)) throw new ValidationError(`file ${header.name}: SHA-256 digest mismatch`);
    renameSync(tmp, join(dir, header.name));
  };

  try {
    for await (const part of parts) {
      if (part.header) {
        finish();
        const header = part.header;
        if (!FILE_NAME.test(header.name)) throw new ValidationError(`file name ${JSON.stringify(header.name.slice(0, 80))} is not a plain file name`);
        if (names.includes(header.name)) throw new ValidationError(`file ${header.name} sent twice`);
        if (names.length >= maxFiles) throw new ValidationError(`more than ${maxFiles} files`);
        if (!Number.isSafeInteger(header.size) || header.size < 0 || header.size > maxBytes) throw new ValidationError(`file ${header.name}: size ${header.size} is out of range`);
        if (header.sha256.length !== 32) throw new ValidationError(`file ${header.name}: digest must be 32 bytes`);
        const dir = destination(header);
        const tmp = join(dir, `.${header.name}.partial`);
        current = { header, dir, fd: openSync(tmp, 'w'), tmp, written: 0, hash: createHash('sha256') };
        names.push(header.name);
      } else if (part.chunk) {
        if (!current) throw new ValidationError('file chunk before any header');
        const { offset, data } = part.chunk;
        if (offset !== current.written) throw new ValidationError(`file ${current.header.name}: chunk at ${offset}, expected ${current.written}`);
        if (current.written + data.length > current.header.size) throw new ValidationError(`file ${current.header.name}: more bytes than its size`);
        writeSync(current.fd, data);
        current.hash.update(data);
        current.written += data.length;
      }
    }
    finish();
  } catch (err) {
    if (current) {
      closeSync(current.fd);
      rmSync(current.tmp, { force: true });
    }
    throw err;
  }
  return names;
}
