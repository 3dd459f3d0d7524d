/**
 * The `--data` flags of `fmls data-owner`: one plain CSV path for a fixed task, or with
 * `--agent` one NAME=PATH per offered dataset, the name being what tasks ask for.
 */
import { InputError } from '@fmls/core';

/** A dataset offered to the agent. */
export interface DatasetFlag {
  name: string;
  path: string;
}

/** Dataset names: what a task file's dataset field can name, and safe in logs. */
const NAME = /^[A-Za-z0-9._-]{1,200}$/;

/** Accumulates a repeatable option's values (commander argParser). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * The datasets of agent mode, in the order given.
 *
 * @throws InputError when there is none, one is not NAME=PATH, a name has other than
 *   letters, digits, ".", "_", "-", or a name is given twice.
 */
export function parseAgentDatasets(values: readonly string[]): DatasetFlag[] {
  if (values.length === 0) throw new InputError('--agent needs at least one --data NAME=PATH', { fix: 'offer a dataset, e.g. --data breast-cancer=./a.csv' });
  const seen = new Set<string>();
  return values.map((value) => {
    const at = value.indexOf('=');
    const name = at < 0 ? '' : value.slice(0, at);
    const path = at < 0 ? '' : value.slice(at + 1);
    if (at < 0 || path === '') throw new InputError(`--data ${JSON.stringify(value)} is not NAME=PATH`, { fix: 'with --agent, name each dataset: --data breast-cancer=./a.csv' });
    if (!NAME.test(name)) throw new InputError(`--data dataset name ${JSON.stringify(name)} must be 1 to 200 letters, digits, ".", "_" or "-"`, { fix: 'rename the dataset, e.g. --data breast-cancer=./a.csv' });
    if (seen.has(name)) throw new InputError(`--data dataset name ${name} is given twice`, { fix: 'give each offered dataset its own name' });
    seen.add(name);
    return { name, path };
  });
}

/**
 * The one CSV of direct mode.
 *
 * @throws InputError when there is none or several, or it is written NAME=PATH (which only --agent uses).
 */
export function parseDirectDataset(values: readonly string[]): string {
  if (values.length === 0) throw new InputError('--data <csv> is required', { fix: 'name the CSV to train on, e.g. --data ./a.csv' });
  if (values.length > 1) throw new InputError(`--data is given ${values.length} times; with --coordinator give exactly one CSV`, { fix: 'to offer several datasets, register with an agent: --agent HOST:PORT --data NAME=PATH ...' });
  const path = values[0] ?? '';
  if (/^[A-Za-z0-9._-]+=/.test(path)) throw new InputError(`--data ${JSON.stringify(path)} names a dataset; that form needs --agent`, { fix: 'with --coordinator give the plain path, e.g. --data ./a.csv' });
  if (path === '') throw new InputError('--data is empty', { fix: 'name the CSV to train on, e.g. --data ./a.csv' });
  return path;
}
