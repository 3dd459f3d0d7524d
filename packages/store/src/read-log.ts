/** Reading the audit log's records for reports. */
import { IntegrityError } from '@fmls/core';
import { parseRecordLine, type AuditRecord } from './audit-record';
import { readLogText, splitLines } from './read-lines';

/**
 * The records of the log at `path`, in file order. Checks each line's shape only; call
 * {@link verifyLog} first when the chain must be intact.
 *
 * @throws InputError when the file cannot be read; IntegrityError at the first line that is not a record.
 */
export function readLog(path: string): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (const line of splitLines(readLogText(path))) {
    const parsed = parseRecordLine(line.text);
    if (!parsed.ok) {
      throw new IntegrityError(`audit log ${path}, record ${line.position}: ${parsed.detail}`, {
        fix: `run \`fmls audit verify ${path}\` to list every problem`,
      });
    }
    records.push(parsed.record);
  }
  return records;
}
