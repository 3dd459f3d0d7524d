/** Reading the log file line by line, with errors a user can act on. */
import { readFileSync } from 'node:fs';
import { InputError } from '@fmls/core';

/** A line of the file and its 1-based position. */
export interface NumberedLine {
  position: number;
  text: string;
}

/** The file's text, or an InputError naming it when it cannot be read. */
export function readLogText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
    throw new InputError(`cannot read audit log ${path}: ${why}`, { fix: 'pass the path of an audit log written by `fmls auditor --log`', cause: err });
  }
}

/**
 * The lines of `text`. The newline after the last record is a terminator, not the start
 * of an empty record; a last line without one (a torn write) is still returned so the
 * verifier can report it.
 */
export function* splitLines(text: string): Generator<NumberedLine> {
  let start = 0;
  let position = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    position++;
    yield { position, text: text.slice(start, stop) };
    start = stop + 1;
  }
}
