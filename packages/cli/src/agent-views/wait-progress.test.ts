import { taskStatusJson } from './task-json';
import { roundLine, stateLine, WaitProgress } from './wait-progress';
import { status } from './test-fixtures';

function recorder(isTTY: boolean): { lines: () => string[]; stream: { isTTY: boolean; write(text: string): boolean } } {
  let text = '';
  return { lines: () => text.split('\n').filter((l) => l !== ''), stream: { isTTY, write: (t: string) => ((text += t), true) } };
}

describe('WaitProgress without a terminal', () => {
  it('prints a state line on each change and one line per new round', () => {
    const out = recorder(false);
    const p = new WaitProgress(out.stream);
    const polls = [
      status({ state: 'queued', round: 0, metricsJson: '{}', participants: [], waitingFor: '2 data owners' }),
      status({ state: 'queued', round: 0, metricsJson: '{}', participants: [], waitingFor: '2 data owners' }),
      status({ state: 'running', round: 1, metricsJson: '{"loss":0.5,"accuracy":0.8}' }),
      status({ state: 'running', round: 1, metricsJson: '{"loss":0.5,"accuracy":0.8}' }),
      status({ state: 'running', round: 3, metricsJson: '{"loss":0.25,"accuracy":0.9}' }),
      status({ state: 'succeeded', round: 4, metricsJson: '{"loss":0.2,"accuracy":0.95}' }),
    ];
    for (const s of polls) p.update(taskStatusJson(s));
    p.stop();
    expect(out.lines()).toEqual([
      'task t-1 queued: waiting for 2 data owners',
      'task t-1 running',
      'round 1/20  participants 2  loss 0.5000  accuracy 0.8000',
      'round 3/20  participants 2  loss 0.2500  accuracy 0.9000',
      'round 4/20  participants 2  loss 0.2000  accuracy 0.9500',
      'task t-1 succeeded',
    ]);
  });

  it('reports mse for regression tasks', () => {
    expect(roundLine(taskStatusJson(status({ type: 'regression', metricsJson: '{"loss":1,"mse":2}' })))).toBe('round 3/20  participants 2  loss 1.0000  mse 2.0000');
    expect(stateLine(taskStatusJson(status({ state: 'failed', reason: 'x' })))).toBe('task t-1 failed');
  });
});

describe('WaitProgress on a terminal', () => {
  it('draws a bar for a running task instead of round lines', () => {
    const out = recorder(true);
    const p = new WaitProgress(out.stream);
    p.update(taskStatusJson(status({ state: 'running', round: 2 })));
    p.update(taskStatusJson(status({ state: 'succeeded', round: 20 })));
    p.stop();
    const text = out.lines().join('\n');
    expect(text).toContain('task t-1 running');
    expect(text).toMatch(/round 20\/20 \[/);
    expect(text).not.toMatch(/participants 2/);
  });
});
