/** `fmls data-owner`: train on private data for a coordinator's task. */
import type { Command } from 'commander';
import { createLogger, ExitCode } from '@fmls/core';
import { FAULT_HELP, parseFault, runDataOwner, type Fault } from '@fmls/data-owner';
import { parseHostPort } from '@fmls/wire';
import { backendOption, onStopSignal } from '../common-options';
import { parseNumberOption } from '../parse-options';
import { runAction } from '../run-action';

interface DataOwnerFlags {
  coordinator: string;
  id: string;
  data: string;
  test?: string;
  label?: string;
  auditor?: string;
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  connectTimeout: number;
  reconnectTimeout: number;
  fault?: Fault;
}

export function registerDataOwnerCommand(program: Command): void {
  program
    .command('data-owner')
    .description("Run a data-owner daemon: join the coordinator's task, train locally each round, upload only model weights; exit 0 when the task is done")
    .requiredOption('--coordinator <host:port>', 'the coordinator to join')
    .requiredOption('--id <name>', 'this data owner\'s name (letters, digits, ".", "_", "-")')
    .requiredOption('--data <csv>', 'private training data; never leaves this process')
    .option('--test <csv>', 'local held-out CSV to evaluate the received global model on (default: the training data)')
    .option('--label <column>', 'label column: the data is then fully checked before connecting (label present, every other column numeric); omit it when the task picks features with data.features')
    .option('--auditor <host:port>', 'auditor to report sent updates to')
    .option('--connect-timeout <seconds>', 'how long to wait for the coordinator at start', parseNumberOption('--connect-timeout', 0.1, 86400), 30)
    .option('--reconnect-timeout <seconds>', 'how long to keep retrying a coordinator that went away mid-task', parseNumberOption('--reconnect-timeout', 1, 86400), 120)
    .option('--fault <kind>', `testing only: send broken updates (${FAULT_HELP})`, parseFault)
    .addOption(backendOption())
    .addHelpText('after', '\nExample:\n  fmls data-owner --coordinator 127.0.0.1:7000 --id hospital-a --data a.csv --auditor 127.0.0.1:7100\n\nExit codes: 0 task succeeded, 1 task failed or coordinator lost, 2 bad input or coordinator unreachable.')
    .action(
      runAction(async (flags: DataOwnerFlags) => {
        parseHostPort(flags.coordinator, '--coordinator');
        if (flags.auditor) parseHostPort(flags.auditor, '--auditor');
        const logger = createLogger({ name: `data-owner ${flags.id}` });
        const stop = new AbortController();
        onStopSignal(() => stop.abort());
        const result = await runDataOwner(
          {
            coordinator: flags.coordinator,
            id: flags.id,
            dataCsv: flags.data,
            testCsv: flags.test,
            label: flags.label,
            auditor: flags.auditor,
            backend: flags.backend,
            connectTimeoutMs: flags.connectTimeout * 1000,
            reconnectTimeoutMs: flags.reconnectTimeout * 1000,
            fault: flags.fault,
            logger,
          },
          stop.signal,
        );
        logger.info({ rounds: result.rounds }, `done: ${result.reason}`);
        return result.outcome === 'succeeded' ? ExitCode.ok : ExitCode.failure;
      }),
    );
}
