/** `fmls task submit|list|status|wait|cancel|fetch-model`: service-client side of an FMLMS agent (I1). */
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { FmlsError, InputError, loadTaskFile, TaskFailedError } from '@fmls/core';
import { PROTOCOL_VERSION } from '@fmls/wire';
import { agentOption, pollTask, withAgent } from '../agent-client';
import { FINAL_STATES, taskStatusJson } from '../agent-views/task-json';
import { formatTaskDetails, formatTaskList, formatTaskStatus, metricsText, roundText } from '../agent-views/task-view';
import { jsonText } from '../agent-views/table';
import { WaitProgress } from '../agent-views/wait-progress';
import { onStopSignal } from '../common-options';
import { runAction } from '../run-action';
import { addClientTlsOptions } from '../tls-options';

interface AgentFlags {
  agent: string;
  json?: boolean;
}

const UNKNOWN_TASK = { notFound: 'fmls task list shows the tasks the agent knows' };

function printJson(value: unknown): void {
  process.stdout.write(jsonText(value));
}

/** A positive number of seconds; 0 would end every wait before it starts. */
export function parseTimeout(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InputError(`--timeout ${JSON.stringify(value)} must be a positive number of seconds`, { fix: 'e.g. --timeout 600, or leave it out to wait until the task ends' });
  }
  return n;
}

export function registerTaskCommands(program: Command): void {
  const task = program
    .command('task')
    .description('Submit training tasks to an FMLMS agent and follow them (submit, list, status, wait, cancel, fetch-model)')
    .addHelpText('after', `
Every subcommand talks to the agent at --agent (default: $FMLS_AGENT, else 127.0.0.1:7300).

Example:
  $ id=$(fmls task submit task.yaml)
  $ fmls task wait "$id" && fmls task fetch-model "$id" --out runs/model
  $ fmls evaluate --model runs/model --data test.csv`);

  task
    .command('submit')
    .description('Validate TASK_FILE and submit it; prints the new task id as the last line of stdout')
    .argument('<task-file>', 'task file (JSON or YAML; see README "Task file"); it must name a `dataset:` the data owners offer')
    .addOption(agentOption())
    .option('--json', 'print {id, state, waitingFor} as JSON instead')
    .addHelpText('after', '\nThe file is checked here first: a bad file exits 2 without contacting the agent.\n\nExample:\n  $ fmls task submit task.yaml --agent 127.0.0.1:7300\n  submitted task t-1a2b3c4d5e (queued: waiting for 3 free data owners offering breast-cancer (2 free, 1 busy, 0 offline))\n  t-1a2b3c4d5e')
    .action(
      runAction(async (file: string, flags: AgentFlags) => {
        const spec = loadTaskFile(file);
        if (!spec.dataset) {
          throw new InputError(`the agent needs \`dataset:\` in ${file}: the name of the dataset the data owners offer`, {
            fix: 'add e.g. `dataset: breast-cancer`; fmls nodes list shows the datasets on offer',
          });
        }
        const reply = await withAgent(flags, (a) => a.submitTask({ protocolVersion: PROTOCOL_VERSION, specJson: JSON.stringify(spec), source: file }), {
          invalid: 'correct the task file; README.md "Task file" lists every field',
        });
        const waitingFor = reply.waitingFor || null;
        if (flags.json) return printJson({ id: reply.taskId, state: reply.state, waitingFor });
        process.stderr.write(`submitted task ${reply.taskId} (${reply.state}${waitingFor ? `: waiting for ${waitingFor}` : ''}); follow it with fmls task wait ${reply.taskId}\n`);
        process.stdout.write(`${reply.taskId}\n`);
      }),
    );

  task
    .command('list')
    .description('List the tasks the agent knows: id, name, state, priority, dataset, round, submission time')
    .addOption(agentOption())
    .option('--json', 'print a JSON array of status objects (as task status --json)')
    .addHelpText('after', '\nExample:\n  $ fmls task list\n  ID        NAME  STATE    PRIORITY  DATASET        ROUND  SUBMITTED\n  t-1a2b3c  bc    running  high      breast-cancer   3/20  2025-01-01T12:00:00Z')
    .action(
      runAction(async (flags: AgentFlags) => {
        const list = await withAgent(flags, (a) => a.listTasks());
        const tasks = list.tasks.map((t) => taskStatusJson(t));
        if (flags.json) printJson(tasks);
        else process.stdout.write(formatTaskList(tasks));
      }),
    );

  task
    .command('status')
    .description('Show one task: state, priority, times, round, latest metrics, participants, what it waits for')
    .argument('<id>', 'task id (from submit or list)')
    .addOption(agentOption())
    .option('--details', 'add per-node communication and contributions, and the task history')
    .option('--json', 'print one JSON object (times as ISO 8601, null when not reached)')
    .addHelpText('after', '\nExample:\n  $ fmls task status t-1a2b3c --details')
    .action(
      runAction(async (id: string, flags: AgentFlags & { details?: boolean }) => {
        const details = flags.details === true;
        const status = await withAgent(flags, (a) => a.getTaskStatus({ taskId: id, details }), UNKNOWN_TASK);
        const json = taskStatusJson(status, details);
        if (flags.json) return printJson(json);
        process.stdout.write(formatTaskStatus(json) + (details ? formatTaskDetails(json.details) : ''));
      }),
    );

  task
    .command('wait')
    .description('Follow a task until it ends: exit 0 when it succeeded, 1 when it failed, was cancelled or --timeout passed')
    .argument('<id>', 'task id')
    .addOption(agentOption())
    .option('--timeout <seconds>', 'give up waiting after this long (the task goes on); default: wait until it ends', parseTimeout)
    .option('--json', 'print the final status as one JSON object')
    .addHelpText('after', '\nProgress goes to stderr: a bar on a terminal, one line per round otherwise. If the agent\nstops answering, wait retries for 30 s before it gives up.\n\nExample:\n  $ fmls task wait t-1a2b3c --timeout 3600')
    .action(
      runAction(async (id: string, flags: AgentFlags & { timeout?: number }) => {
        const progress = new WaitProgress();
        onStopSignal(() => {
          progress.note(`stopped waiting; task ${id} goes on at the agent`);
          process.exit(130);
        });
        const { status, done } = await withAgent(
          flags,
          (a) =>
            pollTask(a, id, {
              intervalMs: 500,
              timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
              silenceMs: 30000,
              onStatus: (s) => progress.update(taskStatusJson(s)),
              onSilence: (silent) => progress.note(silent ? `agent at ${flags.agent} is not answering; retrying for 30 s` : `agent at ${flags.agent} answers again`),
            }),
          UNKNOWN_TASK,
        ).finally(() => progress.stop());
        const json = taskStatusJson(status);
        if (flags.json) printJson(json);
        if (!done) {
          throw new FmlsError(`task ${id} still ${status.state} after ${flags.timeout} s`, { fix: `it goes on at the agent: wait again, or stop it with fmls task cancel ${id}` });
        }
        if (status.state !== 'succeeded') {
          throw new TaskFailedError(`task ${id} ${status.state}: ${status.reason || 'no reason given'}`, { fix: `fmls task status ${id} --details shows its history` });
        }
        if (!flags.json) process.stdout.write(`task ${id} succeeded: round ${roundText(json)}  ${metricsText(json)}\nfetch the model: fmls task fetch-model ${id} --out DIR\n`);
      }),
    );

  task
    .command('cancel')
    .description('Cancel a queued or running task; its nodes are told to stop')
    .argument('<id>', 'task id')
    .addOption(agentOption())
    .option('--json', 'print the resulting status as one JSON object')
    .addHelpText('after', '\nExample:\n  $ fmls task cancel t-1a2b3c\n  task t-1a2b3c: cancelled')
    .action(
      runAction(async (id: string, flags: AgentFlags) => {
        const status = await withAgent(flags, (a) => a.cancelTask({ taskId: id }), { ...UNKNOWN_TASK, precondition: 'a task that has ended cannot be cancelled' });
        const json = taskStatusJson(status);
        if (flags.json) return printJson(json);
        process.stdout.write(`task ${id}: ${json.state}${json.reason ? ` (${json.reason})` : ''}\n`);
      }),
    );

  task
    .command('fetch-model')
    .description('Download a succeeded task\'s model into --out: model.json, weights.bin, schema.json, metrics.jsonl, result.json')
    .argument('<id>', 'task id')
    .requiredOption('--out <dir>', 'directory to write the files to (created; files of the same name are replaced)')
    .addOption(agentOption())
    .option('--json', 'print {id, dir, files} as JSON')
    .addHelpText('after', '\nExample:\n  $ fmls task fetch-model t-1a2b3c --out runs/model\n  $ fmls evaluate --model runs/model --data test.csv')
    .action(
      runAction(async (id: string, flags: AgentFlags & { out: string }) => {
        const dir = resolve(flags.out);
        const files = await withAgent(
          flags,
          async (a) => {
            // Checked first so that a refused fetch does not leave an empty --out behind.
            const status = await a.getTaskStatus({ taskId: id });
            if (status.state !== 'succeeded') {
              throw new InputError(`task ${id} is ${status.state}; only a succeeded task has a model to fetch`, {
                fix: FINAL_STATES.has(status.state) ? `fmls task status ${id} shows why` : `wait for it: fmls task wait ${id}`,
              });
            }
            prepareOutDir(dir, flags.out);
            return a.fetchModel({ taskId: id }, dir);
          },
          { ...UNKNOWN_TASK, precondition: `only a succeeded task has a model; fmls task status ${id} shows its state` },
        );
        if (flags.json) return printJson({ id, dir, files });
        const lines = files.map((f) => `  ${f.padEnd(14)} ${statSync(join(dir, f)).size} bytes`);
        process.stdout.write(`fetched the model of task ${id} into ${dir}:\n${lines.join('\n')}\n`);
        process.stderr.write(`evaluate it: fmls evaluate --model ${flags.out} --data test.csv\n`);
      }),
    );

  addClientTlsOptions(task);
}

function prepareOutDir(dir: string, flag: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (err) {
    throw new InputError(`cannot use --out ${flag}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { fix: 'pass a directory you can write to' });
  }
}
