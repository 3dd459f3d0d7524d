import { ValidationError } from '@fmls/core';
import { EVENT_LIMITS, validateEvent } from './validate-event';
import { wireEvent } from './test-events';

describe('validateEvent', () => {
  it('turns a good wire event into a log input', () => {
    expect(validateEvent(wireEvent({ round: 3 }))).toEqual({
      eventId: 'e1', type: 'node-joined', source: 'coordinator', node: 'alice', taskId: 't1', round: 3,
      details: { samples: 100, classes: 2, backend: 'cpu' },
    });
  });

  it('reads empty details_json as no details', () => {
    expect(validateEvent(wireEvent({ type: 'heartbeat-restored', detailsJson: '' })).details).toEqual({});
  });

  it('allows task events without a node', () => {
    expect(validateEvent(wireEvent({ type: 'round-retried', node: '', details: { reason: 'slow', received: 1, needed: 2 } })).node).toBe('');
  });

  it.each([
    ['an empty event id', { eventId: '' }, /event_id is empty/],
    ['a long event id', { eventId: 'x'.repeat(EVENT_LIMITS.eventIdChars + 1) }, /longer than 200/],
    ['an id reserved for the auditor', { eventId: 'auditor:anomaly:1' }, /auditor's own/],
    ['an unknown type', { type: 'node-hacked' }, /unknown type "node-hacked"/],
    ['a type only the auditor writes', { type: 'anomaly', details: { reason: 'x' } }, /auditor only/],
    ['an empty source', { source: '' }, /source is empty/],
    ['a node event without a node', { node: '' }, /node is empty/],
    ['a long task id', { taskId: 't'.repeat(201) }, /taskId is longer/],
    ['details that are not JSON', { detailsJson: '{nope' }, /not valid JSON/],
    ['details that are an array', { detailsJson: '[1,2]' }, /not a JSON object/],
    ['details over the size bound', { detailsJson: JSON.stringify({ pad: 'x'.repeat(EVENT_LIMITS.detailsBytes) }) }, /larger than 65536 bytes/],
    ['an update without a digest', { type: 'update-accepted', details: { samples: 5 } }, /details.digest .* non-empty string/],
    ['a negative sample count', { type: 'node-joined', details: { samples: -1 } }, /details.samples .* non-negative number/],
    ['an update-sent from another node', { type: 'update-sent', source: 'data-owner:bob', details: { digest: 'd', samples: 1 } }, /must come from source data-owner:alice/],
  ])('refuses %s', (_what, fields, message) => {
    const run = (): unknown => validateEvent(wireEvent(fields));
    expect(run).toThrow(ValidationError);
    expect(run).toThrow(message);
  });
});
