import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSweep } from '../../src/application/evaluate-sweep.js';
import { executeSweep } from '../../src/application/execute-sweep.js';
import { writeEvaluation } from '../../src/results/evaluations.js';
import { storeWeights } from '../../src/results/kept-weights.js';
import { writeResult } from '../../src/results/stored-results.js';
import { readPlan } from '../../src/results/stored-sweep.js';
import type { Runner } from '../../src/runners/runner.js';
import { readImageSource } from '../../src/sources/image-source.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { sweepId } from '../../src/sweep/sweep-id.js';
import { robustnessEvaluation } from '../../src/train/robustness/evaluation.js';
import type { RunSpec } from '../../src/train/run-spec.js';
import { syntheticResult, writeSyntheticSweep } from '../helpers/synthetic-sweep.js';

/** A runner that only records which jobs it was handed. */
function recordingRunner(): Runner & { handed: number[][] } {
  const handed: number[][] = [];
  return {
    name: 'recording',
    handed,
    async runJobs(_target, jobIndexes) {
      handed.push([...jobIndexes]);
      return { state: 'finished', jobFailures: [] };
    },
  };
}

function recordingProgress() {
  const seen = { starts: [] as [number, number][], notices: [] as string[] };
  return {
    seen,
    progress: {
      start: (total: number, done: number) => seen.starts.push([total, done]),
      event: () => undefined,
      notice: (message: string) => seen.notices.push(message),
    },
  };
}

const FILE = {
  name: 'evaluate-plan',
  datasets: ['gaussian'],
  R: [1, 2],
  seeds: [2, 22],
  learningRates: [0.1],
  modes: ['standard', { norm: 'linf', eps: [0.5] }],
};
const linfAt = (R: number) => (run: RunSpec) => run.mode.kind !== 'standard' && run.dataset.R === R;

describe('evaluateSweep', () => {
  it('hands the runner only jobs whose finished runs kept weights and lack the record; never one with a run to train', async () => {
    const store = new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-evaluate-')));
    // R 2's adversarial runs are not trained yet; R 1's seed 22 was trained before adgap kept weights.
    const { sweepId: id, runs } = await writeSyntheticSweep(store, FILE, { pending: () => true });
    for (const [index, run] of runs.entries()) {
      if (linfAt(2)(run)) continue;
      const result = syntheticResult(id, run, index);
      const old = linfAt(1)(run) && run.seed === 22;
      const values = new Float32Array(2 * 101);
      await writeResult(
        store,
        old
          ? result
          : { ...result, weights: await storeWeights(store, id, run.runId, { widths: [100, 2], values }) },
      );
    }
    const plan = await readPlan(store, id);
    const jobOf = (matches: (run: RunSpec) => boolean) =>
      plan.jobs.find((job) => job.runs.some(matches))?.index as number;

    const runner = recordingRunner();
    const { seen, progress } = recordingProgress();
    await evaluateSweep({ store, sweepId: id, evaluation: 'exact', runner, progress });
    expect(runner.handed).toEqual([[jobOf(linfAt(1))]]);
    // One evaluation to compute: R 1 seed 2 (seed 22 kept no weights; standard runs have no radius).
    expect(seen.starts).toEqual([[1, 0]]);
    expect(seen.notices).toEqual([
      '1 finished runs say "weights not kept" (trained before adgap kept weights): train them in a new sweep to evaluate them',
      '1 jobs have runs without a result: left to `adgap sweep run`, which trains them and computes exact (evaluate never trains)',
    ]);

    // Once its record is there, nothing is left to hand over.
    const run = runs.find((r) => linfAt(1)(r) && r.seed === 2) as RunSpec;
    const clean = { loss: 0.1, correct: [90, 80] as [number, number], total: [100, 100] as [number, number] };
    await writeEvaluation(store, {
      schemaVersion: 1,
      sweepId: id,
      runId: run.runId,
      evaluation: 'exact',
      weightsSha256: '0'.repeat(64),
      result: robustnessEvaluation(
        { norm: 'linf', eps: 0.5, clipToUnitBox: false },
        { name: 'exact' },
        clean,
        clean,
      ),
      wallSeconds: 0,
      evaluatedAt: '2026-01-01T00:00:00.000Z',
    });
    const again = recordingRunner();
    const second = recordingProgress();
    await evaluateSweep({
      store,
      sweepId: id,
      evaluation: 'exact',
      runner: again,
      progress: second.progress,
    });
    expect(again.handed).toEqual([[]]);
    expect(second.seen.starts).toEqual([[1, 1]]);
  });

  it('refuses an evaluation that applies to no run of the sweep, before anything is trained or requested', async () => {
    const store = new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-evaluate-')));
    const sweep = parseSweepFile({ ...FILE, modes: ['standard'], evaluation: ['pgd', 'exact'] });
    const runner = recordingRunner();
    await expect(
      executeSweep({ store, sweep, runner, progress: recordingProgress().progress, readImageSource }),
    ).rejects.toThrow(
      'evaluation: exact applies to no run of this sweep: a standard run has no radius to attack at',
    );
    expect(runner.handed).toEqual([]);
  });
});

describe('a sweep file’s evaluation list', () => {
  it('is validated: known names, each once', () => {
    expect(parseSweepFile({ ...FILE, evaluation: ['pgd', 'exact', 'apgd'] }).evaluation).toEqual([
      'pgd',
      'exact',
      'apgd',
    ]);
    expect(() => parseSweepFile({ ...FILE, evaluation: ['autoattack'] })).toThrow(
      'allowed: pgd, exact, apgd',
    );
    expect(() => parseSweepFile({ ...FILE, evaluation: ['exact', 'exact'] })).toThrow(
      'names an evaluation twice',
    );
  });

  it('is not part of the sweep id: adding it to a finished sweep’s file evaluates that sweep', () => {
    expect(sweepId(parseSweepFile({ ...FILE, evaluation: ['exact'] }))).toBe(sweepId(parseSweepFile(FILE)));
  });
});
