import cliProgress from 'cli-progress';
import type { SweepProgress } from '../application/execute-sweep.js';
import { EVERY_RUN_HAS_A_RESULT } from '../jobs/job-event.js';

/**
 * A bar (runs and evaluations done / total, elapsed, estimate) on a terminal; one plain line per finished run
 * or evaluation otherwise.
 */
export function sweepProgress(stream: NodeJS.WriteStream = process.stderr): SweepProgress & { stop(): void } {
  let total = 0;
  let done = 0;
  let startedAt = 0;
  let startDone = 0;
  const bar = stream.isTTY
    ? new cliProgress.SingleBar(
        {
          stream,
          format: 'runs {bar} {value}/{total} | elapsed {duration_formatted} | eta {eta_formatted} {last}',
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const line = (text: string) => {
    const elapsed = (Date.now() - startedAt) / 1000;
    const rate = (done - startDone) / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? ` eta ${Math.round((total - done) / rate)}s` : '';
    stream.write(`[${done}/${total}] ${text} (elapsed ${Math.round(elapsed)}s${eta})\n`);
  };
  return {
    start(runCount, alreadyFinished) {
      total = runCount;
      done = alreadyFinished;
      startDone = alreadyFinished;
      startedAt = Date.now();
      if (bar) bar.start(total, done, { last: '' });
      else line(alreadyFinished > 0 ? `resuming: ${alreadyFinished} runs already have results` : 'starting');
    },
    event(e) {
      if (e.event === 'job-skipped') {
        // A job that became held between the plan and its start (a race with another sweep run) says so.
        if (e.reason !== EVERY_RUN_HAS_A_RESULT) stream.write(`skipped a job: ${e.reason}\n`);
        return;
      }
      if (e.event === 'job-failed') {
        done += e.runIds.length;
        if (bar) bar.update(done, { last: `(job failed: ${e.error})` });
        else line(`FAILED ${e.runIds.length} runs: ${e.error}`);
        return;
      }
      done += 1;
      const text =
        e.event === 'run-finished'
          ? `finished ${e.runId}`
          : e.event === 'run-evaluated'
            ? `evaluated ${e.runId} (${e.evaluation})`
            : e.event === 'evaluation-failed'
              ? `FAILED ${e.evaluation} of ${e.runId}: ${e.error}`
              : `FAILED ${e.runId}: ${e.error}`;
      const failed = e.event === 'run-failed' || e.event === 'evaluation-failed';
      if (bar) bar.update(done, { last: failed ? `(failed: ${e.runId})` : '' });
      else line(text);
    },
    notice(message) {
      stream.write(`${message}\n`);
    },
    stop() {
      bar?.stop();
    },
  };
}

/** No progress at all: for runners that only queue the jobs, whose notices still print. */
export function silentProgress(
  stream: NodeJS.WriteStream = process.stderr,
): SweepProgress & { stop(): void } {
  return {
    start: () => undefined,
    event: () => undefined,
    notice: (message) => void stream.write(`${message}\n`),
    stop: () => undefined,
  };
}
