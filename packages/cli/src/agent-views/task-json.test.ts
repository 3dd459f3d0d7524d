import { isoTime, metricValue, taskStatusJson } from './task-json';
import { DETAILS, status } from './test-fixtures';

describe('taskStatusJson', () => {
  it('turns ms since the epoch into ISO 8601 and 0 into null', () => {
    const json = taskStatusJson(status());
    expect(json.submittedAt).toBe('2025-01-02T03:04:05.678Z');
    expect(json.startedAt).toBeNull();
    expect(json.finishedAt).toBeNull();
  });

  it('parses the metrics line and keeps the round counters', () => {
    const json = taskStatusJson(status());
    expect(json.metrics).toEqual({ round: 3, loss: 0.25, accuracy: 0.9, metricsSource: 'test' });
    expect([json.round, json.rounds]).toEqual([3, 20]);
    expect(json).toMatchObject({ id: 't-1', name: 'bc', state: 'running', priority: 'high', type: 'tabular-classification', dataset: 'breast-cancer' });
  });

  it('gives {} before the first round and null for metrics that are not a JSON object', () => {
    expect(taskStatusJson(status({ metricsJson: '{}' })).metrics).toEqual({});
    expect(taskStatusJson(status({ metricsJson: '' })).metrics).toEqual({});
    expect(taskStatusJson(status({ metricsJson: '{"loss":' })).metrics).toBeNull();
    expect(taskStatusJson(status({ metricsJson: '[1,2]' })).metrics).toBeNull();
    expect(taskStatusJson(status({ metricsJson: 'null' })).metrics).toBeNull();
  });

  it('writes null for empty participants, waitingFor and reason', () => {
    const json = taskStatusJson(status({ participants: [], state: 'queued' }));
    expect(json.participants).toBeNull();
    expect(json.waitingFor).toBeNull();
    expect(json.reason).toBeNull();
    const waiting = taskStatusJson(status({ waitingFor: '2 data owners', reason: 'x' }));
    expect(waiting.waitingFor).toBe('2 data owners');
    expect(waiting.reason).toBe('x');
    expect(waiting.participants).toEqual(['alice', 'bob']);
  });

  it('includes details only when asked, and null for unreadable details', () => {
    expect('details' in taskStatusJson(status({ detailsJson: JSON.stringify(DETAILS) }))).toBe(false);
    expect(taskStatusJson(status({ detailsJson: JSON.stringify(DETAILS) }), true).details).toEqual(DETAILS);
    expect(taskStatusJson(status({ detailsJson: '' }), true).details).toBeNull();
    expect(taskStatusJson(status({ detailsJson: '{oops' }), true).details).toBeNull();
    expect(taskStatusJson(status({ detailsJson: '{"communication":"x","contributions":[],"history":[]}' }), true).details).toBeNull();
  });

  it('survives a JSON round trip unchanged (what --json prints is what a script reads)', () => {
    const json = taskStatusJson(status(), true);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('isoTime', () => {
  it('accepts numbers and numeric strings, rejects 0, negatives and garbage', () => {
    expect(isoTime(1000)).toBe('1970-01-01T00:00:01.000Z');
    expect(isoTime('1000')).toBe('1970-01-01T00:00:01.000Z');
    expect(isoTime(0)).toBeNull();
    expect(isoTime(-5)).toBeNull();
    expect(isoTime('x')).toBeNull();
    expect(isoTime(1e20)).toBeNull();
  });
});

describe('metricValue', () => {
  it('reads finite numbers only', () => {
    expect(metricValue({ loss: 0.5, acc: '0.9' }, 'loss')).toBe(0.5);
    expect(metricValue({ acc: '0.9' }, 'acc')).toBeUndefined();
    expect(metricValue(null, 'loss')).toBeUndefined();
  });
});
