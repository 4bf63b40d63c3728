import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { formatWallTime, readMeasuredRates } from '../../src/cli/sweep.js';

// What `sweep plan` and `paper --plan` read: bench/rates.json (here a file of the test's own, so the
// checkout's is never touched).
describe('the measured rates sweep plan reads', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function read(content: string) {
    const file = join(await mkdtemp(join(tmpdir(), 'adgap-rates-')), 'rates.json');
    await writeFile(file, content);
    const warnings: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      warnings.push(String(text));
      return true;
    });
    return { file, rates: await readMeasuredRates(file), warnings };
  }

  const rate = {
    case: 'cifar-3072d-mlp-pgd40',
    engine: 'mlp-cpu',
    backend: 'native-avx512',
    model: 'mlp',
    features: 3072,
    trainSamples: 64,
    attack: 'pgd',
    gradientPasses: 41,
    msPerModelEpoch: 55,
    evaluationSamples: 64,
    msPerRunEvaluation: 300,
    measuredAt: '2026-12-07T00:00:00.000Z',
  };

  test('a negative rate is unmeasured, with one warning line naming the file', async () => {
    const { file, rates, warnings } = await read(JSON.stringify([{ ...rate, msPerModelEpoch: -340 }]));
    expect(rates).toBeUndefined();
    expect(warnings).toEqual([
      `warning: ${file}: 1 invalid (entry 1 (cifar-3072d-mlp-pgd40): msPerModelEpoch: Too small: expected number to be >0): counted as unmeasured\n`,
    ]);
  });

  test('a malformed file is no rates, with one warning line naming the file', async () => {
    const { file, rates, warnings } = await read('[{"case": "cifar');
    expect(rates).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^warning: ${file}: not JSON \\(.*\\); no rate is used\\n$`));
  });

  test('the valid rates beside an invalid one are used', async () => {
    const { rates, warnings } = await read(JSON.stringify([rate, { ...rate, case: 'x', features: 'many' }]));
    expect(rates).toEqual([rate]);
    expect(warnings).toHaveLength(1);
  });

  test("a plan none of whose runs has a usable rate says there is no estimate, not '0 h 0 min'", () => {
    expect(formatWallTime({ maxSeconds: 0, unratedRuns: 760, ratesUsed: [] })).toBe(
      "wall time: no estimate, none of the 760 runs has a measured rate (`npm run bench` measures the engines' rates on this machine)",
    );
  });
});
