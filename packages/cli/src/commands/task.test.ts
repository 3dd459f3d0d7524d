import { Command } from 'commander';
import { InputError } from '@fmls/core';
import { registerNodesCommands } from './nodes';
import { parseTimeout, registerTaskCommands } from './task';
import { registerTopologyCommands } from './topology';

describe('parseTimeout', () => {
  it('accepts positive seconds', () => {
    expect(parseTimeout('600')).toBe(600);
    expect(parseTimeout('0.5')).toBe(0.5);
  });
  it.each(['0', '-1', '', ' ', 'soon', 'Infinity', 'NaN'])('rejects %j', (value) => {
    expect(() => parseTimeout(value)).toThrow(InputError);
  });
});

function program(): Command {
  const p = new Command('fmls').exitOverride();
  registerTaskCommands(p);
  registerNodesCommands(p);
  registerTopologyCommands(p);
  return p;
}

function sub(p: Command, path: string): Command {
  return path.split(' ').reduce((cmd, name) => {
    const found = cmd.commands.find((c) => c.name() === name);
    if (!found) throw new Error(`no command ${path}`);
    return found;
  }, p);
}

const LEAVES = ['task submit', 'task list', 'task status', 'task wait', 'task cancel', 'task fetch-model', 'nodes list', 'nodes set', 'topology show'];

describe('agent commands', () => {
  it.each(LEAVES)('%s takes --agent and shows an example in --help', (path) => {
    const cmd = sub(program(), path);
    expect(cmd.options.map((o) => o.long)).toContain('--agent');
    expect(cmd.description()).not.toBe('');
    let help = '';
    cmd.configureOutput({ writeOut: (t) => (help += t) });
    expect(() => cmd.outputHelp()).not.toThrow();
    expect(help).toMatch(/Example/);
  });

  it.each(['task list', 'task status', 'task wait', 'task cancel', 'nodes list', 'nodes set', 'topology show'])('%s takes --json', (path) => {
    expect(sub(program(), path).options.map((o) => o.long)).toContain('--json');
  });

  it('defaults --agent to FMLS_AGENT, else 127.0.0.1:7300', () => {
    const agent = sub(program(), 'task list').options.find((o) => o.long === '--agent');
    expect(agent?.defaultValue).toBe('127.0.0.1:7300');
    expect(agent?.envVar).toBe('FMLS_AGENT');
  });

  it('rejects a malformed --agent and --timeout before any action runs', async () => {
    await expect(program().parseAsync(['task', 'list', '--agent', 'nohost'], { from: 'user' })).rejects.toThrow(/--agent "nohost" is not HOST:PORT/);
    await expect(program().parseAsync(['task', 'wait', 't-1', '--timeout', '0'], { from: 'user' })).rejects.toThrow(/--timeout "0" must be a positive number/);
  });
});
