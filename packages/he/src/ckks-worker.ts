/**
 * A worker thread of the CKKS pool: its own SEAL context, the keys it was started with,
 * and two jobs — encrypt a slice of a vector, decrypt a run of ciphertexts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CkksContext, type CkksKeyBytes, type CkksParams } from './ckks';

interface Start {
  params: CkksParams;
  keys: CkksKeyBytes;
}

type Job = { id: number; op: 'encrypt'; values: Float32Array; weight: number } | { id: number; op: 'decrypt'; ciphertexts: Uint8Array[]; length: number };

const start = workerData as Start;
const ready = CkksContext.create(start.params);

parentPort?.on('message', (job: Job) => {
  void ready
    .then((ckks) => {
      if (job.op === 'encrypt') {
        const out = ckks.encrypt(job.values, job.weight, start.keys);
        parentPort?.postMessage({ id: job.id, ciphertexts: out }, out.map((c) => c.buffer as ArrayBuffer));
      } else {
        if (!start.keys.secretKey) throw new Error('no secret key in this pool');
        const values = ckks.decrypt(job.ciphertexts, job.length, start.keys.secretKey);
        parentPort?.postMessage({ id: job.id, values }, [values.buffer as ArrayBuffer]);
      }
    })
    .catch((err: unknown) => parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) }));
});
