/** `fmls coordinator`: run one task as the coordinator daemon. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createLogger, ExitCode, loadTaskFile, TaskFailedError } from '@fmls/core';
import { startCoordinator } from '@fmls/coordinator';
import { parseHostPort } from '@fmls/wire';
import { backendOption, onStopSignal } from '../common-options';
import { runAction } from '../run-action';

interface CoordinatorFlags {
  listen: string;
  task: string;
  out: string;
  auditor?: string;
  test?: string;
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  taskId?: string;
}

export function registerCoordinatorCommand(program: Command): void {
  program
    .command('coordinator')
    .description('Run the coordinator daemon: wait for data owners, run the rounds of TASK_FILE, write the model to --out, exit 0')
    .requiredOption('--task <file>', 'task file (JSON or YAML; see README "Task file")')
    .requiredOption('--out <dir>', 'where model.json, weights.bin, schema.json and metrics.jsonl are written')
    .option('--listen <host:port>', 'address to listen on (port 0 picks a free port and logs it)', '127.0.0.1:7000')
    .option('--auditor <host:port>', 'auditor to report events to')
    .option('--test <csv>', 'held-out CSV to evaluate each new global model on (needs the label column)')
    .option('--task-id <id>', 'task id the data owners must name (default: random)')
    .addOption(backendOption())
    .addHelpText('after', '\nExample:\n  fmls coordinator --listen 127.0.0.1:7000 --task task.yaml --out runs/bc --auditor 127.0.0.1:7100 --test test.csv\n\nExit codes: 0 task succeeded, 1 task failed, 2 bad input.')
    .action(
      runAction(async (flags: CoordinatorFlags) => {
        const listen = parseHostPort(flags.listen, '--listen', true);
        if (flags.auditor) parseHostPort(flags.auditor, '--auditor');
        const task = loadTaskFile(flags.task);
        const logger = createLogger({ name: 'coordinator' });
        const coordinator = await startCoordinator({
          listen,
          task,
          outDir: resolve(flags.out),
          auditor: flags.auditor,
          testCsv: flags.test,
          backend: flags.backend,
          taskId: flags.taskId,
          logger,
        });
        onStopSignal((signal) => coordinator.stop(`stopped by ${signal}`));
        const result = await coordinator.done;
        if (result.outcome === 'succeeded') {
          logger.info(`model written to ${resolve(flags.out)}`);
          return ExitCode.ok;
        }
        throw new TaskFailedError(`task failed: ${result.reason}`);
      }),
    );
}
