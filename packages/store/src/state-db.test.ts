import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateDb } from './state-db';

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
});
