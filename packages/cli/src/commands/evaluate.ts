/** `fmls evaluate`: quality of a trained model on a labelled CSV (M-9.5). */
import { join } from 'node:path';
import type { Command } from 'commander';
import { createLogger, FmlsError, InputError, isClassification, parseModelSchema, type QualityMetrics } from '@fmls/core';
import { dataForSchema, readCsv } from '@fmls/data';
import { evaluate, loadModel, selectBackend } from '@fmls/tensor';
import { backendOption } from '../common-options';
import { runAction } from '../run-action';
import { loadStorageKeyFlag, storageKeyOption, storedFileReader, type StorageKeyFlags } from '../storage-key-option';

interface EvaluateFlags extends StorageKeyFlags {
  model: string;
  data: string;
  json?: boolean;
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
}

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('Evaluate a trained model (a run directory) on a labelled CSV: accuracy, precision, recall, AUC for classification; MSE for regression')
    .requiredOption('--model <dir>', 'directory with model.json, weights.bin and schema.json (a run\'s --out)')
    .requiredOption('--data <csv>', 'labelled CSV with the schema\'s feature and label columns')
    .option('--json', 'print one JSON object instead of a table')
    .addOption(storageKeyOption(false))
    .addOption(backendOption())
    .addHelpText('after', '\nExample:\n  fmls evaluate --model runs/bc --data runs/bc/data/test.csv\n\nPrecision and recall are for the second class in schema.json (binary) or macro averages (multi-class).')
    .action(
      runAction(async (flags: EvaluateFlags) => {
        const read = storedFileReader(loadStorageKeyFlag(flags, false));
        const schemaPath = join(flags.model, 'schema.json');
        let schemaText: string;
        try {
          schemaText = read(schemaPath).toString('utf8');
        } catch (err) {
          if (err instanceof FmlsError) throw err;
          throw new InputError(`cannot read ${schemaPath}: ${(err as NodeJS.ErrnoException).code ?? err}`, { fix: '--model must be a run directory written by fmls (it holds schema.json)' });
        }
        const schema = parseModelSchema(schemaText, schemaPath, InputError);
        const table = readCsv(flags.data);
        const data = dataForSchema(table, schema, { dropUnknownClasses: true });
        if (data.n === 0) throw new InputError(`${flags.data} has no rows with a class the model knows (${schema.classes.join(', ')})`);
        const logger = createLogger({ name: 'evaluate' });
        await selectBackend(flags.backend, (msg) => logger.info(msg));
        const model = await loadModel(flags.model, { readFile: read });
        const metrics = evaluate(model, data, schema.type, isClassification(schema.type) ? schema.classes.length : 1);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ model: flags.model, data: flags.data, rows: data.n, dropped: data.dropped, type: schema.type, metrics })}\n`);
        } else {
          printTable(metrics, data.n, data.dropped);
        }
      }),
    );
}

function printTable(m: QualityMetrics, rows: number, dropped: number): void {
  const lines: Array<[string, string]> = [];
  for (const k of ['accuracy', 'precision', 'recall', 'auc', 'mse', 'loss'] as const) {
    const v = m[k];
    if (v !== undefined) lines.push([k, v.toFixed(4)]);
  }
  lines.push(['rows', String(rows)]);
  if (dropped > 0) lines.push(['rows skipped (unknown class)', String(dropped)]);
  const width = Math.max(...lines.map(([k]) => k.length));
  process.stdout.write(`${'metric'.padEnd(width)}  value\n${lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
}
