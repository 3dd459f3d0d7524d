/**
 * Durable daemon state (the agent's nodes and tasks) in SQLite: one table of JSON
 * documents by collection and id, written in WAL mode with full sync, so a crash loses
 * at most the change being written and never corrupts what was committed. Uses Node's
 * built-in SQLite, which needs no native build at install time (better-sqlite3 would
 * have to download or compile a binary, which these machines cannot).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DatabaseSync as Database } from 'node:sqlite';
import { InputError } from '@fmls/core';
import { acquireLock, type FileLock } from './file-lock';

type Sqlite = typeof import('node:sqlite');

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

export class StateDb {
  private constructor(private readonly db: Database, private readonly lock: FileLock) {}

  /** Opens (creating) `state.db` in `dir`; a second process on the same directory is refused. */
  static open(dir: string, what = 'state directory'): StateDb {
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
      return new StateDb(db, lock);
    } catch (err) {
      lock.release();
      throw new InputError(`cannot open ${path}: ${(err as Error).message}`, { fix: 'check the file is an fmls state database, or choose another --state-dir', cause: err });
    }
  }

  put(collection: string, id: string, value: unknown): void {
    this.db.prepare('INSERT INTO documents (collection, id, json) VALUES (?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET json = excluded.json').run(collection, id, JSON.stringify(value));
  }

  get<T>(collection: string, id: string): T | undefined {
    const row = this.db.prepare('SELECT json FROM documents WHERE collection = ? AND id = ?').get(collection, id) as { json: string } | undefined;
    return row ? (JSON.parse(row.json) as T) : undefined;
  }

  /** Every document of a collection, in id order. */
  all<T>(collection: string): T[] {
    const rows = this.db.prepare('SELECT json FROM documents WHERE collection = ? ORDER BY id').all(collection) as Array<{ json: string }>;
    return rows.map((r) => JSON.parse(r.json) as T);
  }

  delete(collection: string, id: string): void {
    this.db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?').run(collection, id);
  }

  close(): void {
    this.db.close();
    this.lock.release();
  }
}
