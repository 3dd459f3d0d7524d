import type { Command } from 'commander';
import { registerAuditCommands } from './audit';
import { registerAuditorCommand } from './auditor';
import { registerCoordinatorCommand } from './coordinator';
import { registerDataOwnerCommand } from './data-owner';
import { registerEvaluateCommand } from './evaluate';
import { registerSimulateCommand } from './simulate';

/** Adds every command group to the program. */
export function registerCommands(program: Command): void {
  registerSimulateCommand(program);
  registerCoordinatorCommand(program);
  registerDataOwnerCommand(program);
  registerAuditorCommand(program);
  registerEvaluateCommand(program);
  registerAuditCommands(program);
}
