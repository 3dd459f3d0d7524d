/** The `fmls` program: one module per command group under ./commands. */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '@fmls/core';
import { printError } from './run-action';
import { registerCommands } from './commands';

const program = new Command('fmls')
  .description('Federated machine learning: train one model across data owners that never pool their data.')
  .version(require('../package.json').version as string)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Commander already printed the message; help and version are successes.
    const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
    process.exit(ok ? ExitCode.ok : ExitCode.badInput);
  }
  process.exit(printError(err));
});
