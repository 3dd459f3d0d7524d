import { taskStatusJson } from './task-json';
import { formatBytes, formatTaskDetails, formatTaskList, formatTaskStatus, metricsText } from './task-view';
import { DETAILS, status } from './test-fixtures';

describe('formatTaskList', () => {
  it('prints one aligned row per task under the headers', () => {
    const text = formatTaskList([taskStatusJson(status()), taskStatusJson(status({ id: 't-22', name: '', state: 'queued', round: 0, submittedAtMs: 0 }))]);
    expect(text.split('\n')).toEqual([
      'ID    NAME  STATE    PRIORITY  DATASET        ROUND  SUBMITTED',
      't-1   bc    running  high      breast-cancer   3/20  2025-01-02T03:04:05Z',
      't-22  -     queued   high      breast-cancer   0/20  -',
      '',
    ]);
  });

  it('says how to get a task when there is none', () => {
    expect(formatTaskList([])).toMatch(/no tasks.*fmls task submit/);
  });

  it('keeps control characters from the agent off the terminal', () => {
    expect(formatTaskList([taskStatusJson(status({ name: 'a\u001b[2Jb' }))])).toContain('a?[2Jb');
  });
});

describe('formatTaskStatus', () => {
  it('shows state, times, round, the metrics with their source and the participants', () => {
    const text = formatTaskStatus(taskStatusJson(status({ metricsJson: '{"loss":0.25,"accuracy":0.9,"auc":0.95,"metricsSource":"test"}' })));
    expect(text).toMatch(/^task +t-1 \(bc\)$/m);
    expect(text).toMatch(/^state +running$/m);
    expect(text).toMatch(/^submitted +2025-01-02T03:04:05Z$/m);
    expect(text).toMatch(/^started +-$/m);
    expect(text).toMatch(/^round +3\/20$/m);
    expect(text).toMatch(/^loss \(test\) +0\.2500$/m);
    expect(text).toMatch(/^accuracy \(test\) +0\.9000$/m);
    expect(text).toMatch(/^auc \(test\) +0\.9500$/m);
    expect(text).not.toMatch(/precision|mse/);
    expect(text).toMatch(/^participants +alice, bob$/m);
    expect(text).not.toMatch(/waiting for/);
  });

  it('shows what a queued task waits for and why a task failed', () => {
    expect(formatTaskStatus(taskStatusJson(status({ state: 'queued', waitingFor: '2 data owners' })))).toMatch(/^waiting for +2 data owners$/m);
    expect(formatTaskStatus(taskStatusJson(status({ state: 'failed', reason: 'coordinator lost' })))).toMatch(/^reason +coordinator lost$/m);
  });

  it('says so when the metrics are unreadable', () => {
    expect(formatTaskStatus(taskStatusJson(status({ metricsJson: 'garbage' })))).toMatch(/metrics +unreadable/);
  });
});

describe('formatTaskDetails', () => {
  it('prints the communication, contribution and history tables', () => {
    const text = formatTaskDetails(DETAILS);
    expect(text).toContain('rounds 3, duration 12.5 s, model bytes moved 2.0 KB');
    expect(text).toMatch(/NODE +ROUNDS +MEAN S +VARIANCE S² +SENT +RECEIVED +TRAIN S\nalice +3 +0\.200 +0\.0100 +1\.0 KB +1\.0 KB +4\.0\n/);
    expect(text).toMatch(/NODE +ROUNDS +SAMPLES +WEIGHT SHARE +SCORE\nalice +3 +100 +50\.0% +0\.500\n/);
    expect(text).toMatch(/TIME +EVENT +DETAIL\n2025-01-02T03:04:05Z +submitted +-\n/);
  });

  it('copes with missing details and empty tables', () => {
    expect(formatTaskDetails(null)).toMatch(/details: none/);
    expect(formatTaskDetails({ ...DETAILS, durationS: null, communication: [] })).toMatch(/duration -.*\n\ncommunication.*\n\(none yet\)/);
  });

  it('shows - for numbers the agent did not send as numbers', () => {
    const odd = { ...DETAILS, contributions: [{ nodeId: 'x', rounds: 'three', samples: 1, weightShare: null, score: 1 }] } as unknown as typeof DETAILS;
    expect(formatTaskDetails(odd)).toMatch(/\nx +- +1 +- +1\.000\n/);
  });
});

describe('metricsText and formatBytes', () => {
  it('lists the metrics present in a fixed order', () => {
    expect(metricsText(taskStatusJson(status({ metricsJson: '{"mse":2,"loss":1}' })))).toBe('loss 1.0000  mse 2.0000');
  });
  it('scales bytes', () => {
    expect([formatBytes(999), formatBytes(1500), formatBytes(2.5e9), formatBytes('x')]).toEqual(['999 B', '1.5 KB', '2.5 GB', '-']);
  });
});
