import { WorkOrders } from './work-orders';

const never = new AbortController().signal;

describe('work orders', () => {
  it('re-sends an order until it is acknowledged, then moves on', async () => {
    const w = new WorkOrders();
    w.push('n', 'RUN', 't1', '{}');
    w.push('n', 'CANCEL', 't1', '', 'stop');
    expect(await w.next('n', 0, 0, never)).toMatchObject({ kind: 'RUN', sequence: 1 });
    expect(await w.next('n', 0, 0, never)).toMatchObject({ kind: 'RUN', sequence: 1 });
    expect(await w.next('n', 1, 0, never)).toMatchObject({ kind: 'CANCEL', sequence: 2, reason: 'stop' });
    expect(await w.next('n', 2, 0, never)).toMatchObject({ kind: 'WAIT' });
  });

  it('wakes a waiting poll when an order arrives, and answers WAIT after the wait', async () => {
    const w = new WorkOrders();
    const started = Date.now();
    const poll = w.next('n', 0, 5000, never);
    setTimeout(() => w.push('n', 'UPDATE', 't1'), 50);
    expect(await poll).toMatchObject({ kind: 'UPDATE' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await w.next('n', 1, 50, never)).toMatchObject({ kind: 'WAIT' });
  });

  it('voids the orders of an earlier registration', async () => {
    const w = new WorkOrders();
    w.push('n', 'RUN', 't1');
    w.reset('n');
    expect(await w.next('n', 0, 0, never)).toMatchObject({ kind: 'WAIT' });
  });
});
