import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeSweep } from '../../src/application/execute-sweep.js';
import { runJob } from '../../src/application/run-job.js';
import { readManifest } from '../../src/datasets/load.js';
import { SYNTHETIC_GROUPS } from '../../src/datasets/types.js';
import type { JobEvent } from '../../src/jobs/job-event.js';
import type { Runner } from '../../src/runners/runner.js';
import { readImageSource } from '../../src/sources/image-source.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { datasetRefs } from '../../src/sweep/expand.js';
import { LIMITS, parseSweepFile } from '../../src/sweep/schema.js';
import { createEngine } from '../../src/train/engines/choose.js';

const { min, max } = LIMITS.syntheticScale;

/** Every job in this process, one after another: the point is what the data do to training, not processes. */
const inProcess: Runner = {
  name: 'in-process',
  async runJobs(target, jobIndexes, onEvent) {
    for (const index of jobIndexes)
      await runJob({ store: target.store, sweepId: target.sweepId, jobIndex: index, createEngine, onEvent });
    return { state: 'finished', jobFailures: [] };
  },
};

describe('synthetic parameters at the ends of their documented ranges', () => {
  it('prepare finite radii and train every run, for every noise and the largest dim', async () => {
    // The largest values at the largest dim make the largest sums; the other corners test the ratio and the
    // small end, where dim does not matter.
    const corners = [
      { meanValue: max, noiseScale: max, dim: LIMITS.dim },
      { meanValue: min, noiseScale: min, dim: 100 },
      { meanValue: max, noiseScale: min, dim: 100 },
      { meanValue: min, noiseScale: max, dim: 100 },
    ];
    const sweep = parseSweepFile({
      name: 'synthetic-bounds',
      datasets: SYNTHETIC_GROUPS.flatMap((group) =>
        corners.map(({ dim, ...scales }) => ({
          group,
          sizes: { train: 20, validation: 5, test: 5 },
          synthetic: { dim, meanNonZero: dim, ...scales },
        })),
      ),
      R: [1],
      seeds: [2],
      learningRates: [LIMITS.learningRate],
      epochs: 2,
      patience: 2,
      batchSize: 8,
      modes: ['standard', { norm: 'linf', eps: 'auto' }, { norm: 'l2', eps: 'auto' }],
    });
    const store = new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-synthetic-bounds-')));
    const events: JobEvent[] = [];
    const progress = { start: () => {}, event: (e: JobEvent) => events.push(e), notice: () => {} };
    await executeSweep({ store, sweep, runner: inProcess, progress, readImageSource });

    for (const ref of datasetRefs(sweep)) {
      const { epsMax } = await readManifest(store, ref);
      expect(Number.isFinite(epsMax.l2) && epsMax.l2 > 0, JSON.stringify(ref.synthetic)).toBe(true);
      expect(Number.isFinite(epsMax.linf) && epsMax.linf > 0, JSON.stringify(ref.synthetic)).toBe(true);
    }
    const finished = events.filter((e) => e.event === 'run-finished');
    expect(events.filter((e) => e.event === 'run-failed' || e.event === 'job-failed')).toEqual([]);
    expect(finished).toHaveLength(SYNTHETIC_GROUPS.length * corners.length * 7);
  }, 300_000);
});
