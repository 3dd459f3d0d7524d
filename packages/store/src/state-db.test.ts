import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, IntegrityError } from '@fmls/core';
import { StateDb } from './state-db';

type Sqlite = typeof import('node:sqlite');

describe('StateDb', () => {
  it('keeps documents across a reopen, and refuses a second opener', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fmls-state-')), 'nested');
    const db = StateDb.open(dir);
    db.put('tasks', 'b', { n: 2 });
    db.put('tasks', 'a', { n: 1 });
    db.put('tasks', 'a', { n: 3 });
    db.put('nodes', 'a', { x: true });
    expect(() => StateDb.open(dir)).toThrow(/in use|held|running/i);
    db.close();
    const again = StateDb.open(dir);
    expect(again.all('tasks')).toEqual([{ n: 3 }, { n: 2 }]);
    expect(again.get('nodes', 'a')).toEqual({ x: true });
    again.delete('nodes', 'a');
    expect(again.get('nodes', 'a')).toBeUndefined();
    again.close();
  });

  it('seals every document under a key, bound to its collection and id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fmls-state-'));
    const key = randomBytes(32);
    const db = StateDb.open(dir, 'state directory', { key });
    db.put('nodes', 'hospital-a', { datasets: [{ name: 'secret-cohort', rows: 120 }] });
    db.put('nodes', 'hospital-b', { datasets: [{ name: 'other', rows: 7 }] });
    expect(db.get('nodes', 'hospital-a')).toEqual({ datasets: [{ name: 'secret-cohort', rows: 120 }] });
    db.close();
    expect(readFileSync(join(dir, 'state.db')).includes(Buffer.from('secret-cohort'))).toBe(false);

    const again = StateDb.open(dir, 'state directory', { key });
    expect(again.all('nodes')).toHaveLength(2);
    again.close();
    expect(() => StateDb.open(dir).all('nodes')).toThrow(InputError);
  });

  it('refuses a document altered, moved to another id, or opened with another key', () => {
    const key = randomBytes(32);
    const cases: Array<[string, (db: InstanceType<Sqlite['DatabaseSync']>) => void, Buffer]> = [
      ['altered', (db) => db.exec("UPDATE documents SET json = substr(json, 1, 20) || (CASE substr(json, 21, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(json, 22) WHERE id = 'a'"), key],
      ['moved', (db) => db.exec("UPDATE documents SET json = (SELECT json FROM documents WHERE id = 'b') WHERE id = 'a'"), key],
      ['plain', (db) => db.exec('UPDATE documents SET json = \'{"x":1}\' WHERE id = \'a\''), key],
      ['other key', () => undefined, randomBytes(32)],
    ];
    for (const [name, tamper, openKey] of cases) {
      const dir = mkdtempSync(join(tmpdir(), 'fmls-state-'));
      const db = StateDb.open(dir, 'state directory', { key });
      db.put('nodes', 'a', { x: 1 });
      db.put('nodes', 'b', { x: 2 });
      db.close();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { DatabaseSync } = require('node:sqlite') as Sqlite;
      const raw = new DatabaseSync(join(dir, 'state.db'));
      tamper(raw);
      raw.close();
      const reopened = StateDb.open(dir, 'state directory', { key: openKey });
      try {
        expect(() => reopened.get('nodes', 'a')).toThrow(IntegrityError);
        expect(() => reopened.all('nodes')).toThrow(/state document nodes\/a/);
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`);
      } finally {
        reopened.close();
      }
    }
  });
});
