/**
 * What a run leaves in --out: metrics.jsonl (a line appended as each round closes, so a
 * run can be followed), the model in TensorFlow.js LayersModel format, and schema.json.
 */
import { appendFileSync, mkdirSync, renameSync, writeFileSync, accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { InputError, type ModelSchema, type QualityMetrics } from '@fmls/core';
import { saveModel, type tf } from '@fmls/tensor';

export interface RoundMetrics {
  round: number;
  version: number;
  attempt: number;
  participants: string[];
  rejected: string[];
  samples: number;
  /** Samples each accepted participant trained on (the agent's contribution accounting). */
  participantSamples: Record<string, number>;
  /** Quality of the new global model: on the coordinator's --test data, else federated. */
  metricsSource: 'test' | 'federated';
  loss?: number;
  accuracy?: number;
  precision?: number;
  recall?: number;
  auc?: number;
  mse?: number;
  /** Clients' evaluation of the version they trained from (sample-weighted). */
  federated: { version: number; loss?: number; accuracy?: number; mse?: number };
  trainLoss?: number;
  durations: { roundS: number; aggregateS: number; evalS: number };
  bytesIn: number;
  time: string;
}

export class RunOutputs {
  readonly metricsPath: string;

  constructor(readonly dir: string) {
    this.metricsPath = join(dir, 'metrics.jsonl');
  }

  /** Creates the directory and checks it is writable, before any connection is made. */
  prepare(): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      accessSync(this.dir, constants.W_OK);
    } catch (err) {
      throw new InputError(`cannot write to output directory ${this.dir}: ${(err as NodeJS.ErrnoException).code ?? err}`, { fix: 'choose another --out', cause: err });
    }
    writeFileSync(this.metricsPath, '');
  }

  appendMetrics(line: RoundMetrics): void {
    appendFileSync(this.metricsPath, `${JSON.stringify(line)}\n`);
  }

  writeSchema(schema: ModelSchema): void {
    const path = join(this.dir, 'schema.json');
    writeFileSync(`${path}.tmp`, `${JSON.stringify(schema, null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
  }

  async writeModel(model: tf.LayersModel): Promise<void> {
    await saveModel(model, this.dir);
  }

  writeResult(result: { outcome: string; reason: string; rounds: number; version: number; metrics?: Partial<QualityMetrics> & Record<string, unknown> }): void {
    writeFileSync(join(this.dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
}
