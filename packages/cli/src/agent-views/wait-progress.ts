/**
 * What `fmls task wait` shows while it polls: a progress bar on a terminal, otherwise one
 * line per new round (CI logs, pipes) — the same split as `fmls simulate`.
 */
import { SingleBar } from 'cli-progress';
import { FINAL_STATES, metricValue, type TaskStatusJson } from './task-json';
import { clean, fixed } from './table';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Regression tasks report mse where classifiers report accuracy. */
function qualityText(t: TaskStatusJson): string {
  const mse = metricValue(t.metrics, 'mse');
  return t.type === 'regression' || mse !== undefined ? `mse ${fixed(mse)}` : `accuracy ${fixed(metricValue(t.metrics, 'accuracy'))}`;
}

/** The line for a task that has not started or just changed state. */
export function stateLine(t: TaskStatusJson): string {
  const why = t.state === 'queued' && t.waitingFor ? `: waiting for ${t.waitingFor}` : '';
  return clean(`task ${t.id} ${t.state}${why}`);
}

export function roundLine(t: TaskStatusJson): string {
  const participants = t.participants ? `  participants ${t.participants.length}` : '';
  return `round ${t.round}/${t.rounds}${participants}  loss ${fixed(metricValue(t.metrics, 'loss'))}  ${qualityText(t)}`;
}

export class WaitProgress {
  private bar: SingleBar | undefined;
  private lastRound = 0;
  private lastLine = '';

  constructor(private readonly out: ProgressStream = process.stderr) {}

  update(t: TaskStatusJson): void {
    const useBar = this.out.isTTY === true && t.state === 'running' && t.rounds > 0;
    if (useBar && !this.bar) {
      this.line(stateLine(t));
      this.bar = new SingleBar({
        stream: this.out as NodeJS.WritableStream,
        format: 'round {value}/{total} [{bar}] loss {loss} {quality} | {duration}s',
        barsize: 30,
        hideCursor: true,
      });
      this.bar.start(t.rounds, t.round, { loss: fixed(metricValue(t.metrics, 'loss')), quality: qualityText(t) });
    }
    if (this.bar) {
      this.bar.setTotal(Math.max(t.rounds, t.round));
      this.bar.update(t.round, { loss: fixed(metricValue(t.metrics, 'loss')), quality: qualityText(t) });
      if (t.state !== 'running') this.stop();
      return;
    }
    // The last round comes before "succeeded", the state before its first round.
    const final = FINAL_STATES.has(t.state);
    if (!final) this.line(stateLine(t));
    if (t.round > this.lastRound) {
      this.lastRound = t.round;
      this.out.write(`${roundLine(t)}\n`);
    }
    if (final) this.line(stateLine(t));
  }

  /** A line that is not about the task (the agent stopped answering); the bar is ended first. */
  note(text: string): void {
    this.stop();
    this.out.write(`${text}\n`);
  }

  /** Ends the bar, restoring the cursor; safe to call twice. */
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  /** Prints a state line once, not again on every poll. */
  private line(text: string): void {
    if (text === this.lastLine) return;
    this.lastLine = text;
    this.out.write(`${text}\n`);
  }
}
