/**
 * Key custody under encrypted aggregation, asserted from what the coordinator is given:
 * a coordinator whose every incoming message is recorded runs an encrypted task with two
 * real data-owner processes; then everything it received is tried as the CKKS secret key
 * on the final encrypted aggregate, and none of it decrypts it.
 */
import { join } from 'node:path';
import { createLogger, parseTaskSpec } from '@fmls/core';
import { prepareCoordinatorTask } from '@fmls/coordinator';
import { CkksContext, splitCiphertexts } from '@fmls/he';
import { getFlatWeights, loadModel } from '@fmls/tensor';
import { addCoordinatorService, startServer, type CoordinatorHandlers, type ModelPayload } from '@fmls/wire';
import { daemonExit, makeTempDir, removeTempDirs, startDaemon, stopAllDaemons, writeShares } from './helpers';

afterAll(async () => {
  await stopAllDaemons();
  removeTempDirs();
});

it('the coordinator holds nothing that decrypts an aggregate', async () => {
  const dir = makeTempDir('fmls-custody-');
  const shares = writeShares({ dir: join(dir, 'data'), ids: ['a', 'b'] });
  const task = parseTaskSpec({
    model: { type: 'logistic-regression' },
    data: { label: shares.label },
    train: { learningRate: 0.02 },
    aggregation: { rounds: 3, minClients: 2 },
    privacy: { homomorphic: {} },
  });
  const out = join(dir, 'out');
  const prepared = await prepareCoordinatorTask({ task, outDir: out, backend: 'wasm', logger: createLogger({ name: 'coordinator', level: 'warn' }), doneGraceMs: 500 });

  // Everything that reaches the coordinator, as bytes.
  const received: Buffer[] = [];
  let lastAggregate: ModelPayload | undefined;
  const inner = prepared.handlers;
  const recording: CoordinatorHandlers = {
    ...inner,
    join(req) {
      received.push(Buffer.from(req.boxPublicKey));
      return inner.join(req);
    },
    publishKeys(req) {
      received.push(Buffer.from(req.ckksPublicKey), Buffer.from(req.dealerBoxPublicKey), ...Object.values(req.sealedSecretKeys).map((v) => Buffer.from(v)));
      return inner.publishKeys(req);
    },
    async downloadModel(req) {
      const payload = await inner.downloadModel(req);
      if (payload.bytes) lastAggregate = payload;
      return payload;
    },
  };
  const server = await startServer({ host: '127.0.0.1', port: 0 }, (s) => addCoordinatorService(s, recording));
  const running = prepared.start();
  const owners = shares.clients.map((c) =>
    startDaemon(c.id, ['data-owner', '--coordinator', server.address, '--id', c.id, '--data', c.path, '--label', shares.label], join(dir, 'logs', `${c.id}.log`)),
  );
  await expect(running.done).resolves.toMatchObject({ outcome: 'succeeded' });
  for (const o of owners) await expect(daemonExit(o, 30_000)).resolves.toBe(0);
  await server.shutdown(1000);

  // The coordinator was given the dealer's public key and one sealed secret key (for b): nothing else.
  expect(received.length).toBe(2 + 3);
  const aggregate = lastAggregate;
  if (!aggregate) throw new Error('no encrypted aggregate was downloaded');
  const released = getFlatWeights(await loadModel(out));
  const ckks = await CkksContext.create();
  try {
    const cts = splitCiphertexts(aggregate.bytes as Uint8Array, ckks.ciphertextCount(released.length));
    for (const candidate of received) {
      let plain: Float64Array;
      try {
        plain = ckks.decrypt(cts, released.length, candidate);
      } catch {
        continue; // not a secret key at all
      }
      const total = aggregate.header.totalWeight as number;
      const close = released.every((w, i) => Math.abs(plain[i] / total - w) < 1e-3);
      expect(close).toBe(false);
    }
  } finally {
    ckks.dispose();
  }
}, 240_000);
