import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import { datasetId } from '../../src/datasets/dataset-id.js';
import { readManifest } from '../../src/datasets/load.js';
import { readImageSource } from '../../src/sources/image-source.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { resolveAutoRadii } from '../../src/sweep/auto-radii.js';
import { datasetRefs, expandRuns } from '../../src/sweep/expand.js';
import { parseSweepFile } from '../../src/sweep/schema.js';

const sweep = (modes: unknown[]) =>
  parseSweepFile({
    name: 'auto',
    datasets: [{ group: 'cauchy', sizes: { train: 100, validation: 20, test: 20 }, synthetic: { dim: 5 } }],
    R: [1, 10],
    seeds: [2],
    learningRates: [0.1],
    modes,
  });

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
async function store(): Promise<LocalFolderStore> {
  const dir = await mkdtemp(join(tmpdir(), 'adgap-auto-'));
  dirs.push(dir);
  return new LocalFolderStore(dir);
}

describe('eps: auto', () => {
  it('is accepted per norm next to explicit radii', () => {
    const parsed = sweep(['standard', { norm: 'l2', eps: 'auto' }, { norm: 'linf', eps: [0.5] }]);
    expect(parsed.modes[1]).toEqual({ norm: 'l2', eps: 'auto' });
  });

  it("rejects any other word, saying 'auto' is allowed", () => {
    expect(() => sweep([{ norm: 'l2', eps: 'max' }])).toThrow(
      /modes\[0\]\.eps: expected a list of radii or 'auto' \(got "max"\)/,
    );
  });

  it('expands to 1, 3/4 and 1/2 of each dataset eps_max, recorded in the run spec', () => {
    const parsed = sweep([{ norm: 'linf', eps: 'auto' }]);
    const [r1, r10] = datasetRefs(parsed).map(datasetId) as [string, string];
    const runs = expandRuns(parsed, { [r1]: { l2: 8, linf: 2 }, [r10]: { l2: 8, linf: 2 } });
    expect(runs.map((r) => r.mode)).toEqual(
      [1, 0.75, 0.5, 1, 0.75, 0.5].map((factor) => ({
        kind: 'adversarial',
        norm: 'linf',
        eps: 2 * factor,
        auto: { epsMax: 2, factor },
        method: { name: 'one-step' },
      })),
    );
    expect(runs[1]?.runId).toBe(`${r1}-linf-auto0.75-s2-lr0.1`);
  });

  it('a run spec with eps: auto fits the published results JSON Schema', async () => {
    const schema = JSON.parse(
      await readFile(new URL('../../schemas/run-result.schema.json', import.meta.url), 'utf8'),
    ) as { $id: string };
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    ajv.addSchema(schema);
    const validate = ajv.getSchema(`${schema.$id}#/$defs/runSpec`);
    const parsed = sweep([{ norm: 'l2', eps: 'auto' }]);
    const radii = Object.fromEntries(datasetRefs(parsed).map((ref) => [datasetId(ref), { l2: 3, linf: 1 }]));
    for (const run of expandRuns(parsed, radii))
      expect(validate?.(run), JSON.stringify(validate?.errors)).toBe(true);
  });

  it('cannot expand without the radii', () => {
    expect(() => expandRuns(sweep([{ norm: 'l2', eps: 'auto' }]))).toThrow(/needs the radii of its datasets/);
  });

  it('resolveAutoRadii prepares the datasets and reads eps_max from their manifests, equal for every R', async () => {
    const s = await store();
    const parsed = sweep(['standard', { norm: 'l2', eps: 'auto' }]);
    const radii = await resolveAutoRadii(s, parsed, readImageSource);
    const refs = datasetRefs(parsed);
    const expected = (await readManifest(s, refs[0] as (typeof refs)[number])).epsMax;
    expect(radii).toEqual(Object.fromEntries(refs.map((ref) => [datasetId(ref), expected])));
    expect(expected.l2).toBeGreaterThan(0);
  });

  it('resolveAutoRadii prepares nothing for a sweep with explicit radii only', async () => {
    const s = await store();
    expect(await resolveAutoRadii(s, sweep([{ norm: 'l2', eps: [1] }]), readImageSource)).toEqual({});
    expect((await s.list('datasets/')).objects).toEqual([]);
  });
});

describe('sweep dataset entries', () => {
  it('reject synthetic parameters on a real-data group', () => {
    expect(() =>
      parseSweepFile({
        name: 'x',
        datasets: [{ group: 'mnist', synthetic: { dim: 5 } }],
        R: [1],
        seeds: [2],
        learningRates: [0.1],
        modes: ['standard'],
      }),
    ).toThrow(
      /datasets\[0\]\.synthetic: only for the synthetic groups \(gaussian, cauchy, holtsmark\), not mnist/,
    );
  });

  it('make every default explicit in the ref, so a group name and its spelled-out defaults share one id', () => {
    const base = { name: 'x', R: [2], seeds: [2], learningRates: [0.1], modes: ['standard'] };
    const short = parseSweepFile({ ...base, datasets: ['holtsmark'] });
    const long = parseSweepFile({
      ...base,
      datasets: [
        {
          group: 'holtsmark',
          dataSeed: 0,
          sizes: { train: 4000, validation: 1000, test: 1000 },
          synthetic: { dim: 100, meanNonZero: 25, meanValue: 1, noiseScale: 2 },
        },
      ],
    });
    expect(datasetRefs(short)).toEqual(datasetRefs(long));
    expect(datasetRefs(short)[0]).toEqual({
      group: 'holtsmark',
      R: 2,
      dataSeed: 0,
      sizes: { train: 4000, validation: 1000, test: 1000 },
      synthetic: { dim: 100, meanNonZero: 25, meanValue: 1, noiseScale: 2 },
    });
  });
});
