/** The `fmls` program: one module per command group under ./commands. */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '@fmls/core';
import { printError } from './run-action';
import { registerCommands } from './commands';

// A reader that stops early (`fmls --help | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(ExitCode.ok);
    throw err;
  });
}

const program = new Command('fmls')
  .description('Federated machine learning: train one model across data owners that never pool their data.')
  .version(require('../package.json').version as string)
  .exitOverride()
  // Usage errors look like every other error: one line, prefixed, with the fix.
  .configureOutput({ outputError: (text, write) => write(`fmls: ${text.trimEnd()} (see --help)\n`) });

registerCommands(program);
program.addHelpText('after', '\nStart here:\n  fmls simulate --dataset breast-cancer --clients 3 --rounds 20 --out runs/bc\n\nEvery command takes --help. Exit codes: 0 ok, 1 run failed, 2 bad input.');

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Commander already printed the message; help and version are successes.
    const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
    process.exit(ok ? ExitCode.ok : ExitCode.badInput);
  }
  process.exit(printError(err));
});
