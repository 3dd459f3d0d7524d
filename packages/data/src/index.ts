/** @fmls/data: CSV loading, datasets, federated normalisation, partitioning and the bundled datasets. */
export * from './csv';
export * from './describe-csv';
export * from './dataset';
export * from './parse-number';
export * from './stats';
export * from './rng';
export * from './partition';
export * from './split';
export * from './bundled';
export * from './schema-data';
