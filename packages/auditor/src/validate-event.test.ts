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

  const assigned = { coordinator: 'coordinator-7000', auditor: 'auditor-7100', dataOwners: ['a', 'b'], topologyVersion: 1 };

  it('accepts the agent\'s task-level events without a node', () => {
    expect(validateEvent(wireEvent({ type: 'task-assigned', source: 'agent', node: '', details: assigned }))).toMatchObject({ type: 'task-assigned', node: '', details: assigned });
    expect(validateEvent(wireEvent({ type: 'task-cancelled', source: 'agent', node: '', details: { reason: 'user' } })).type).toBe('task-cancelled');
  });

  it('accepts a topology change about a node', () => {
    const details = { version: 2, change: 'dropped', reason: 'heartbeat lost' };
    expect(validateEvent(wireEvent({ type: 'topology-changed', source: 'agent', node: 'b', details }))).toMatchObject({ node: 'b', details });
  });

  it.each([
    ['a task-assigned from a role daemon', { type: 'task-assigned', source: 'coordinator', node: '', details: assigned }, /come from source agent only, not "coordinator"/],
    ['a task-cancelled from a data owner', { type: 'task-cancelled', source: 'data-owner:alice', node: '' }, /come from source agent only/],
    ['a task-assigned without data owners', { type: 'task-assigned', source: 'agent', node: '', details: { ...assigned, dataOwners: 'a,b' } }, /details.dataOwners .* array of non-empty strings/],
    ['a task-assigned with an empty data owner id', { type: 'task-assigned', source: 'agent', node: '', details: { ...assigned, dataOwners: ['a', ''] } }, /details.dataOwners/],
    ['a task-assigned without a topology version', { type: 'task-assigned', source: 'agent', node: '', details: { ...assigned, topologyVersion: undefined } }, /details.topologyVersion .* non-negative number/],
    ['a topology change without a node', { type: 'topology-changed', source: 'agent', node: '', details: { version: 2, change: 'dropped', reason: '' } }, /node is empty/],
    ['a topology change of an unknown kind', { type: 'topology-changed', source: 'agent', details: { version: 2, change: 'renamed', reason: '' } }, /details.change .* one of dropped, admitted/],
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
