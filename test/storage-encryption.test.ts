/**
 * Encryption at rest (M-10.2) end to end: a coordinator and an agent run with
 * --storage-key, what they leave on disk is sealed, `fmls evaluate` reads a sealed model
 * only with the key, and a flipped byte is refused. Real processes on loopback; needs the
 * build (`npx tsc -b`).
 */
import { chmodSync, copyFileSync, cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentTask, client, START_MS, startOwner as startAgentOwner, submit, waitForNodes, waitTask, type AgentFederation } from './agent-federation';
import {
  daemonExit,
  expectExit,
  killAllChildren,
  makeTempDir,
  removeTempDirs,
  runFmls,
  startDaemon,
  stopAllDaemons,
  writeShares,
  writeTask,
  type Finished,
} from './helpers';

afterEach(async () => {
  await Promise.all([stopAllDaemons(), killAllChildren()]);
});

afterAll(() => {
  removeTempDirs();
});

const MAGIC = Buffer.from('FMLSENC1');
const OUT_FILES = ['model.json', 'weights.bin', 'schema.json', 'metrics.jsonl', 'result.json'];

function expectSealed(path: string): void {
  const bytes = readFileSync(path);
  expect({ path, magic: bytes.subarray(0, 8).equals(MAGIC) }).toEqual({ path, magic: true });
}

/** The one `fmls: error:` line of a failed command (and that it is the only one, with no stack trace). */
function errorLine(r: Finished): string {
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('fmls: error:'));
  expect(lines).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0];
}

function evaluate(model: string, data: string, key?: string): Promise<Finished> {
  return runFmls(['evaluate', '--model', model, '--data', data, '--json', ...(key ? ['--storage-key', key] : [])], { timeoutMs: 60_000 });
}

describe('a coordinator with --storage-key', () => {
  it('seals its outputs; evaluate needs the key and refuses a flipped byte', async () => {
    const dir = makeTempDir('fmls-enc-direct-');
    const out = join(dir, 'out');
    const logs = join(dir, 'logs');
    const key = join(dir, 'keys', 'storage.key');
    const shares = writeShares({ dir: join(dir, 'data'), ids: ['owner-a', 'owner-b'], seed: 7 });
    const taskPath = writeTask(join(dir, 'task.json'), {
      name: 'sealed',
      model: { type: 'logistic-regression' },
      data: { label: shares.label },
      train: { optimizer: 'adam', learningRate: 0.02, batchSize: 32 },
      aggregation: { rounds: 5, minClients: 2 },
    });
    const coordinator = startDaemon(
      'coordinator',
      ['coordinator', '--listen', '127.0.0.1:0', '--task', taskPath, '--out', out, '--test', shares.testPath, '--storage-key', key],
      join(logs, 'coordinator.log'),
    );
    const address = await coordinator.waitListening(START_MS);
    // The coordinator made the key: 32 bytes as hex, readable by its owner only.
    expect(readFileSync(key, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    for (const c of shares.clients) {
      startDaemon(c.id, ['data-owner', '--coordinator', address, '--id', c.id, '--data', c.path, '--label', shares.label], join(logs, `${c.id}.log`));
    }
    await expect(daemonExit(coordinator, 120_000, join(logs, 'coordinator.log'))).resolves.toBe(0);

    expect(readdirSync(out).sort()).toEqual([...OUT_FILES].sort());
    for (const f of OUT_FILES) expectSealed(join(out, f));
    expect(() => JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'))).toThrow();
    expect(readFileSync(join(out, 'metrics.jsonl'), 'latin1')).not.toMatch(/"round"/);

    const ok = await evaluate(out, shares.testPath, key);
    expectExit(ok, 0);
    expect((JSON.parse(ok.stdout) as { metrics: { accuracy: number } }).metrics.accuracy).toBeGreaterThan(0.85);

    const noKey = await evaluate(out, shares.testPath);
    expectExit(noKey, 2);
    expect(errorLine(noKey)).toMatch(/is encrypted.*--storage-key/);

    // One flipped bit in the weights: refused as tampering, naming the file.
    const tampered = join(dir, 'tampered');
    cpSync(out, tampered, { recursive: true });
    const weights = readFileSync(join(tampered, 'weights.bin'));
    weights[Math.floor(weights.length / 2)] ^= 0x01;
    writeFileSync(join(tampered, 'weights.bin'), weights);
    const flipped = await evaluate(tampered, shares.testPath, key);
    expectExit(flipped, 1);
    expect(errorLine(flipped)).toContain(`${join(tampered, 'weights.bin')} failed its integrity check`);

    // Files swapped for each other are refused too, although each was sealed under the key.
    const swapped = join(dir, 'swapped');
    cpSync(out, swapped, { recursive: true });
    copyFileSync(join(out, 'result.json'), join(swapped, 'schema.json'));
    const swap = await evaluate(swapped, shares.testPath, key);
    expectExit(swap, 1);
    expect(errorLine(swap)).toContain(join(swapped, 'schema.json'));

    // Another key: refused as tampering; a key open to others: refused as bad input with the fix.
    const otherKey = join(dir, 'other.key');
    writeFileSync(otherKey, `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    expectExit(await evaluate(out, shares.testPath, otherKey), 1);
    chmodSync(otherKey, 0o644);
    const open = await evaluate(out, shares.testPath, otherKey);
    expectExit(open, 2);
    expect(errorLine(open)).toContain(`chmod 600 ${otherKey}`);
    writeFileSync(join(dir, 'short.key'), 'abc', { mode: 0o600 });
    expectExit(await evaluate(out, shares.testPath, join(dir, 'short.key')), 2);
  }, 240_000);
});

describe('an agent and its coordinator with --storage-key', () => {
  it('keep models and node records sealed, and hand the client the plaintext model', async () => {
    const dir = makeTempDir('fmls-enc-agent-');
    const logs = join(dir, 'logs');
    const stateDir = join(dir, 'agent-state');
    const workDir = join(dir, 'coordinator-work');
    const agentKey = join(dir, 'agent.key');
    const coordinatorKey = join(dir, 'coordinator.key');
    const ids = ['hospital-a', 'hospital-b'];
    const shares = writeShares({ dir: join(dir, 'data'), ids, seed: 42 });
    const agent = startDaemon('agent', ['agent', '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--storage-key', agentKey], join(logs, 'agent.log'));
    const f: AgentFederation = { dir, logs, stateDir, auditLog: join(dir, 'audit.jsonl'), shares, agent, agentAddress: await agent.waitListening(START_MS), owners: new Map() };
    startDaemon('coordinator', ['coordinator', '--agent', f.agentAddress, '--listen', '127.0.0.1:0', '--work-dir', workDir, '--storage-key', coordinatorKey], join(logs, 'coordinator.log'));
    for (const id of ids) startAgentOwner(f, id);
    await waitForNodes(f, ids.length + 1);

    const id = await submit(f, agentTask(f, 'sealed-agent', { aggregation: { rounds: 3, minClients: 2 } }));
    expect((await waitTask(f, id, 120)).state).toBe('succeeded');

    // The agent keeps the model sealed; its node and task records are sealed in state.db.
    const stored = join(stateDir, 'tasks', id);
    expect(readdirSync(stored).sort()).toEqual([...OUT_FILES].sort());
    for (const file of OUT_FILES) expectSealed(join(stored, file));
    for (const file of ['state.db', 'state.db-wal']) {
      const path = join(stateDir, file);
      if (existsSync(path)) expect(readFileSync(path).includes(Buffer.from('breast-cancer'))).toBe(false);
    }
    for (const file of OUT_FILES) expectSealed(join(workDir, id, file));

    // The client gets the plaintext model, which evaluates without any key.
    const modelDir = join(dir, 'fetched');
    expectExit(await client(f, ['task', 'fetch-model', id, '--out', modelDir]), 0);
    expect(JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'))).toHaveProperty('modelTopology');
    expectExit(await evaluate(modelDir, shares.testPath), 0);

    // Restarted with the same key, the agent reads its sealed state back; with another key it refuses to start.
    await agent.stop('SIGTERM', 10_000);
    const wrong = join(dir, 'wrong.key');
    writeFileSync(wrong, `${'cd'.repeat(32)}\n`, { mode: 0o600 });
    const refused = await runFmls(['agent', '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--storage-key', wrong], { timeoutMs: 30_000 });
    expectExit(refused, 1);
    expect(errorLine(refused)).toMatch(/state document \S+ failed its integrity check/);
  }, 300_000);
});
