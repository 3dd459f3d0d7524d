import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSchema } from '@fmls/core';
import { isSealed, openSealedFile } from '@fmls/store';
import { buildModel, getFlatWeights, loadModel, selectBackend } from '@fmls/tensor';
import { RunOutputs, type RoundMetrics } from './run-outputs';

let dir: string;
beforeAll(() => selectBackend('cpu'));
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fmls-outputs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const round = (n: number): RoundMetrics =>
  ({ round: n, version: n, attempt: 1, participants: ['a'], rejected: [], samples: 10, participantSamples: { a: 10 }, metricsSource: 'federated', federated: { version: n - 1 }, durations: { roundS: 1, aggregateS: 0, evalS: 0 }, bytesIn: 1, time: 'now' }) as RoundMetrics;

describe('RunOutputs with a storage key', () => {
  it('seals every file, reseals metrics.jsonl whole each round, and the model opens with the key', async () => {
    const key = randomBytes(32);
    const outputs = new RunOutputs(dir, key);
    outputs.prepare();
    expect(openSealedFile(outputs.metricsPath, key).length).toBe(0);
    outputs.appendMetrics(round(1));
    outputs.appendMetrics(round(2));
    const lines = String(openSealedFile(outputs.metricsPath, key)).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as RoundMetrics).round)).toEqual([1, 2]);

    outputs.writeSchema({ type: 'tabular-classification', features: ['x1'] } as unknown as ModelSchema);
    outputs.writeResult({ outcome: 'succeeded', reason: 'done', rounds: 2, version: 2 });
    const model = buildModel({ type: 'logistic-regression', l2: 0 }, { numFeatures: 3, numOutputs: 2, type: 'tabular-classification' }, 1);
    await outputs.writeModel(model);

    const files = readdirSync(dir).sort();
    expect(files).toEqual(['metrics.jsonl', 'model.json', 'result.json', 'schema.json', 'weights.bin']);
    for (const f of files) expect(isSealed(join(dir, f))).toBe(true);
    expect(() => JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'))).toThrow();
    const loaded = await loadModel(dir, { readFile: (p) => openSealedFile(p, key) });
    expect(getFlatWeights(loaded)).toEqual(getFlatWeights(model));
    model.dispose();
    loaded.dispose();
  });

  it('writes plain files without a key', () => {
    const outputs = new RunOutputs(dir);
    outputs.prepare();
    outputs.appendMetrics(round(1));
    expect(JSON.parse(readFileSync(outputs.metricsPath, 'utf8'))).toMatchObject({ round: 1 });
    expect(isSealed(outputs.metricsPath)).toBe(false);
  });
});
