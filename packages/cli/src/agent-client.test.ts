import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, NetworkError, NotFoundError, ValidationError, FmlsError } from '@fmls/core';
import { addAgentService, callFailed, type AgentConnection, GrpcStatus, startServer, type AgentHandlers, type RunningServer, type TaskStatus } from '@fmls/wire';
import { agentMessage, mapAgentError, pollTask, withAgent } from './agent-client';
import { status } from './agent-views/test-fixtures';

function refuse(): never {
  throw new FmlsError('not in this test');
}

/** An agent whose status answers come from a script, one per call; the last one stays. */
function fakeAgent(statuses: Array<TaskStatus | Error>, dir: string): AgentHandlers {
  return {
    submitTask: refuse,
    listTasks: () => ({ tasks: [status()] }),
    getTaskStatus: (req) => {
      if (req.taskId === 'missing') throw new NotFoundError('no task missing');
      const next = statuses.length > 1 ? statuses.shift() : statuses[0];
      if (!next) throw new FmlsError('no status scripted');
      if (next instanceof Error) throw next;
      return next;
    },
    cancelTask: () => {
      throw new FmlsError('task t-1 has already succeeded');
    },
    fetchModel: () => [join(dir, 'model.json')],
    listNodes: refuse,
    setNodeAttributes: () => {
      throw new ValidationError('gpus must be an integer');
    },
    getTopology: refuse,
    register: refuse,
    nodeHeartbeat: refuse,
    awaitWork: refuse,
    reportTask: refuse,
    uploadArtifacts: refuse,
  };
}

let server: RunningServer;
let dir: string;
const script: Array<TaskStatus | Error> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fmls-agent-client-'));
  writeFileSync(join(dir, 'model.json'), '{"m":1}');
  server = await startServer({ host: '127.0.0.1', port: 0 }, (s) => addAgentService(s, fakeAgent(script, dir)));
});

afterAll(async () => {
  await server.shutdown(100);
  rmSync(dir, { recursive: true, force: true });
});

describe('agentMessage', () => {
  it('takes the status details, else strips the call prefix', () => {
    expect(agentMessage(callFailed('h:1', 'GetTaskStatus', { code: GrpcStatus.NOT_FOUND, details: 'no task t-9' }))).toBe('no task t-9');
    expect(agentMessage(new Error('GetTaskStatus to h:1 failed: NOT_FOUND: no task t-9'))).toBe('no task t-9');
  });
});

describe('mapAgentError', () => {
  it('maps an unreachable agent to one line with exit 2', () => {
    for (const code of [GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED]) {
      const err = mapAgentError('h:7300', callFailed('h:7300', 'ListTasks', { code, details: 'x' })) as NetworkError;
      expect(err).toBeInstanceOf(NetworkError);
      expect(err.userMessage()).toBe('cannot reach the agent at h:7300 (start it with fmls agent --listen h:7300 --state-dir DIR, or pass --agent)');
      expect(err.exitCode).toBe(2);
    }
  });

  it('leaves other failures and our own errors alone', () => {
    const internal = callFailed('h:1', 'ListTasks', { code: GrpcStatus.INTERNAL, details: 'boom' });
    expect(mapAgentError('h:1', internal)).toBe(internal);
    const ours = new InputError('x');
    expect(mapAgentError('h:1', ours)).toBe(ours);
  });
});

describe('withAgent against an agent', () => {
  it('returns the answer', async () => {
    const list = await withAgent(server.address, (a) => a.listTasks());
    expect(list.tasks.map((t) => t.id)).toEqual(['t-1']);
  });

  const refusals: Array<[string, (a: AgentConnection) => Promise<unknown>, string, string]> = [
    ['NOT_FOUND', (a) => a.getTaskStatus({ taskId: 'missing' }), 'no task missing', 'see list'],
    ['FAILED_PRECONDITION', (a) => a.cancelTask({ taskId: 't-1' }), 'task t-1 has already succeeded', 'too late'],
    ['INVALID_ARGUMENT', (a) => a.setNodeAttributes({ nodeId: 'n', values: { gpus: '1' } }), 'gpus must be an integer', 'fix it'],
  ];
  it.each(refusals)('turns %s into an InputError with the agent\'s words and the hint', async (_code, call, message, fix) => {
    const err = (await withAgent(server.address, call, { notFound: 'see list', precondition: 'too late', invalid: 'fix it' }).catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(message);
    expect(err.fix).toBe(fix);
    expect(err.exitCode).toBe(2);
  });

  it('reports a closed port as an unreachable agent', async () => {
    const err = (await withAgent('127.0.0.1:1', (a) => a.listTasks()).catch((e: unknown) => e)) as NetworkError;
    expect(err.message).toBe('cannot reach the agent at 127.0.0.1:1');
  });

  it('fetches model files', async () => {
    const out = join(dir, 'out');
    expect(await withAgent(server.address, (a) => a.fetchModel({ taskId: 't-1' }, out))).toEqual(['model.json']);
    expect(readFileSync(join(out, 'model.json'), 'utf8')).toBe('{"m":1}');
  });
});

describe('pollTask', () => {
  const unavailable = (): Error => Object.assign(new Error('down'), { code: GrpcStatus.UNAVAILABLE });

  it('follows a task to its final state, reporting every status', async () => {
    script.splice(0, script.length, status({ state: 'queued' }), status({ round: 1 }), status({ state: 'succeeded', round: 20 }));
    const seen: string[] = [];
    const result = await withAgent(server.address, (a) => pollTask(a, 't-1', { intervalMs: 10, silenceMs: 1000, onStatus: (s) => seen.push(s.state) }));
    expect(result.done).toBe(true);
    expect(result.status.round).toBe(20);
    expect(seen).toEqual(['queued', 'running', 'succeeded']);
  });

  it('stops at the timeout with the last status', async () => {
    script.splice(0, script.length, status({ state: 'running' }));
    const result = await withAgent(server.address, (a) => pollTask(a, 't-1', { intervalMs: 10, timeoutMs: 100, silenceMs: 1000, onStatus: () => undefined }));
    expect(result).toMatchObject({ done: false, status: { state: 'running' } });
  });

  it('rides out a short silence of the agent', async () => {
    // A silent agent is faked on the client side: the server cannot make a call UNAVAILABLE.
    script.splice(0, script.length, status(), status({ state: 'failed', reason: 'r' }));
    const silences: boolean[] = [];
    let calls = 0;
    const result = await withAgent(server.address, (a) => {
      const real = a.getTaskStatus.bind(a);
      a.getTaskStatus = (req, ms) => (++calls === 2 || calls === 3 ? Promise.reject(unavailable()) : real(req, ms));
      return pollTask(a, 't-1', { intervalMs: 10, silenceMs: 5000, onStatus: () => undefined, onSilence: (s) => silences.push(s) });
    });
    expect(result.status.state).toBe('failed');
    expect(silences).toEqual([true, false]);
  });

  it('gives up on an agent silent for silenceMs, with one line and exit 1', async () => {
    script.splice(0, script.length, status());
    let calls = 0;
    const err = (await withAgent(server.address, (a) => {
      const real = a.getTaskStatus.bind(a);
      a.getTaskStatus = (req, ms) => (++calls === 1 ? real(req, ms) : Promise.reject(unavailable()));
      return pollTask(a, 't-1', { intervalMs: 10, silenceMs: 200, onStatus: () => undefined });
    }).catch((e: unknown) => e)) as NetworkError;
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toMatch(/^lost the agent at 127\.0\.0\.1:\d+ while waiting for task t-1: no answer for 0 s$/);
    expect(err.exitCode).toBe(1);
  });

  it('fails at once when the agent never answered', async () => {
    const started = Date.now();
    const err = (await withAgent('127.0.0.1:1', (a) => pollTask(a, 't-1', { intervalMs: 10, silenceMs: 30000, onStatus: () => undefined })).catch((e: unknown) => e)) as NetworkError;
    expect(err.message).toBe('cannot reach the agent at 127.0.0.1:1');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
