import { AGENT_EVENT_SOURCE, AGENT_EVENT_TYPES, AUDIT_EVENT_TYPES, AUDITOR_ONLY_EVENT_TYPES, isAuditEventType, TASK_EVENT_TYPES, type AuditEventDetails, type AuditEventTypeName } from './audit-events';

describe('the audit event catalogue', () => {
  it('knows the agent\'s event types', () => {
    for (const type of ['task-assigned', 'topology-changed', 'task-cancelled']) expect(isAuditEventType(type)).toBe(true);
    expect([...AGENT_EVENT_TYPES].sort()).toEqual(['task-assigned', 'task-cancelled', 'topology-changed']);
    expect(AGENT_EVENT_SOURCE).toBe('agent');
  });

  it('treats assignment and cancellation as task-level and a topology change as about one node', () => {
    expect(TASK_EVENT_TYPES).toEqual(expect.arrayContaining(['task-assigned', 'task-cancelled']));
    expect(TASK_EVENT_TYPES).not.toContain('topology-changed');
  });

  it('keeps its lists within the catalogue and apart where they must be', () => {
    for (const list of [AGENT_EVENT_TYPES, TASK_EVENT_TYPES, AUDITOR_ONLY_EVENT_TYPES]) for (const type of list) expect(AUDIT_EVENT_TYPES).toContain(type);
    for (const type of AGENT_EVENT_TYPES) expect(AUDITOR_ONLY_EVENT_TYPES).not.toContain(type);
    expect(new Set(AUDIT_EVENT_TYPES).size).toBe(AUDIT_EVENT_TYPES.length);
  });

  it('documents the details of every type', () => {
    // A type added to the catalogue without its details entry fails to compile here.
    const documented: Record<AuditEventTypeName, true> = Object.fromEntries(AUDIT_EVENT_TYPES.map((t) => [t, true])) as Record<keyof AuditEventDetails, true>;
    expect(Object.keys(documented).sort()).toEqual([...AUDIT_EVENT_TYPES].sort());
  });
});
