/**
 * Splits one dataset into a held-out test file and one private file per simulated
 * data owner (iid or Dirichlet label skew), as separate CSVs the daemons read.
 */
import { join } from 'node:path';
import { isClassification, type TaskType } from '@fmls/core';
import { partitionRows, readCsv, toDataset, trainTestSplit, writeCsv, type PartitionSpec } from '@fmls/data';

export interface SimulationData {
  testPath: string;
  clients: Array<{ id: string; path: string; rows: number }>;
  features: number;
  rows: number;
}

export function prepareSimulationData(opts: {
  csvPath: string;
  label: string;
  type: TaskType;
  clients: number;
  partition: PartitionSpec;
  testFraction: number;
  seed: number;
  dir: string;
}): SimulationData {
  const table = readCsv(opts.csvPath);
  // Validates the label and that every feature is numeric before anything starts.
  const ds = toDataset(table, { label: opts.label });
  const classification = isClassification(opts.type);
  const split = trainTestSplit(ds.n, opts.testFraction, opts.seed, classification ? ds.labels : undefined);
  const testPath = join(opts.dir, 'test.csv');
  writeCsv(testPath, table.columns, split.test.map((i) => table.rows[i]));
  const trainLabels = split.train.map((i) => ds.labels[i]);
  const spec: PartitionSpec = classification ? opts.partition : { kind: 'iid' };
  const parts = partitionRows(trainLabels, opts.clients, spec, opts.seed);
  const clients = parts.map((rows, k) => {
    const id = `client-${k + 1}`;
    const path = join(opts.dir, `${id}.csv`);
    writeCsv(path, table.columns, rows.map((r) => table.rows[split.train[r]]));
    return { id, path, rows: rows.length };
  });
  return { testPath, clients, features: ds.d, rows: ds.n };
}
