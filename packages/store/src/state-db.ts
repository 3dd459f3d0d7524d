/**
 * Durable daemon state (the agent's nodes and tasks) in SQLite: one table of JSON
 * documents by collection and id, written in WAL mode with full sync, so a crash loses
 * at most the change being written and never corrupts what was committed. Uses Node's
 * built-in SQLite, which needs no native build at install time (better-sqlite3 would
 * have to download or compile a binary, which these machines cannot).
 * With a storage key each document is sealed (AES-256-GCM, bound to its collection and id,
 * so a row copied onto another id fails to open): node records name the data they hold.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DatabaseSync as Database } from 'node:sqlite';
import { InputError, IntegrityError } from '@fmls/core';
import { acquireLock, type FileLock } from './file-lock';
import { openSealedBytes, sealBytes } from './sealed-file';

type Sqlite = typeof import('node:sqlite');

/** Marks a sealed document's text: base64 of the sealed bytes follows. JSON never starts so. */
const SEALED_PREFIX = 'sealed:';

/** Loads node:sqlite without its one-time "experimental" warning on stderr. */
function loadSqlite(): Sqlite {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite/i.test(text)) return;
    (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node:sqlite') as Sqlite;
  } finally {
    process.emitWarning = emit;
  }
}

export interface StateDbOptions {
  /** Storage key (loadStorageKey): documents are sealed with it. Default: stored as plain JSON. */
  key?: Buffer;
}

export class StateDb {
  private constructor(private readonly db: Database, private readonly lock: FileLock, private readonly key: Buffer | undefined) {}

  /** Opens (creating) `state.db` in `dir`; a second process on the same directory is refused. */
  static open(dir: string, what = 'state directory', options: StateDbOptions = {}): StateDb {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new InputError(`cannot create ${what} ${dir}: ${(err as NodeJS.ErrnoException).code ?? err}`, { fix: 'choose another --state-dir', cause: err });
    }
    const path = join(dir, 'state.db');
    const lock = acquireLock(join(dirname(path), 'state.lock'), what);
    try {
      const { DatabaseSync } = loadSqlite();
      const db = new DatabaseSync(path);
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
      db.exec('CREATE TABLE IF NOT EXISTS documents (collection TEXT NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (collection, id))');
      return new StateDb(db, lock, options.key);
    } catch (err) {
      lock.release();
      throw new InputError(`cannot open ${path}: ${(err as Error).message}`, { fix: 'check the file is an fmls state database, or choose another --state-dir', cause: err });
    }
  }

  put(collection: string, id: string, value: unknown): void {
    this.db.prepare('INSERT INTO documents (collection, id, json) VALUES (?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET json = excluded.json').run(collection, id, this.encode(collection, id, value));
  }

  /** @throws IntegrityError when the document fails to open under the key. */
  get<T>(collection: string, id: string): T | undefined {
    const row = this.db.prepare('SELECT json FROM documents WHERE collection = ? AND id = ?').get(collection, id) as { json: string } | undefined;
    return row ? this.decode<T>(collection, id, row.json) : undefined;
  }

  /** Every document of a collection, in id order. @throws IntegrityError when one fails to open under the key. */
  all<T>(collection: string): T[] {
    const rows = this.db.prepare('SELECT id, json FROM documents WHERE collection = ? ORDER BY id').all(collection) as Array<{ id: string; json: string }>;
    return rows.map((r) => this.decode<T>(collection, r.id, r.json));
  }

  delete(collection: string, id: string): void {
    this.db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?').run(collection, id);
  }

  private encode(collection: string, id: string, value: unknown): string {
    const json = JSON.stringify(value);
    if (!this.key) return json;
    return SEALED_PREFIX + sealBytes(Buffer.from(json, 'utf8'), this.key, documentContext(collection, id)).toString('base64');
  }

  private decode<T>(collection: string, id: string, text: string): T {
    const what = `state document ${collection}/${id}`;
    const sealed = text.startsWith(SEALED_PREFIX);
    if (sealed && !this.key) throw new InputError(`${what} is encrypted`, { fix: 'start with the --storage-key it was written with' });
    // Plain rows under a key are refused, or anyone able to write the file could add records.
    if (!sealed && this.key) {
      throw new IntegrityError(`${what} is not encrypted, but a storage key is in use`, { fix: 'start without --storage-key, or with a fresh --state-dir' });
    }
    const json = this.key ? openSealedBytes(Buffer.from(text.slice(SEALED_PREFIX.length), 'base64'), this.key, documentContext(collection, id), what).toString('utf8') : text;
    return JSON.parse(json) as T;
  }

  close(): void {
    this.db.close();
    this.lock.release();
  }
}

/** JSON so that no collection and id pair can be spelled like another. */
function documentContext(collection: string, id: string): string {
  return `fmls-doc:${JSON.stringify([collection, id])}`;
}
