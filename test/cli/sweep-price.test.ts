import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adgap } from '../helpers/cli.js';

/** `adgap sweep plan <paper grid> --runner batch`: the price before launch (src/sweep/price.ts, src/cli/price-lines.ts). */
let dir: string;
/** The paper's whole grid, and its gaussian group alone (quicker to plan). */
let paperFile: string;
let gaussianFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adgap-price-'));
  paperFile = join(dir, 'paper.yaml');
  gaussianFile = join(dir, 'gaussian.yaml');
  for (const [group, file] of [
    ['all', paperFile],
    ['gaussian', gaussianFile],
  ] as const)
    expect((await adgap(['sweep', 'init', '--preset', 'paper', '--dataset', group, '-o', file])).code).toBe(
      0,
    );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const plan = (file: string, ...extra: string[]) =>
  adgap(['sweep', 'plan', file, '--store', join(dir, 'store'), '--runner', 'batch', ...extra]);

describe('adgap sweep plan --runner batch', () => {
  it('prints the CPU queue`s hours and dollars per instance type with the price table`s date, and the GPU queue unmeasured', async () => {
    const out = await plan(paperFile, '--queue', 'cpu');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(
      /\n {2}cpu queue \(the one --queue cpu submits to\): [\d,.]+ vCPU-hours in 816 jobs, [\d.]+% of it the jobs' fixed cost \(120 s a job\)\n/,
    );
    for (const type of ['c6i.large', 'c7i.large', 'm6i.large'])
      expect(out.stdout).toMatch(
        new RegExp(
          `\\n {4}${type.replace('.', '\\.')} +[\\d,.]+ instance-hours: on-demand \\$[\\d,.]+, Spot \\$[\\d,.]+\\n`,
        ),
      );
    expect(out.stdout).toContain(
      '  prices: us-east-1, a snapshot taken 2026-12-07 (infra/aws-prices.json; on-demand: ',
    );
    expect(out.stdout).toContain('Spot prices move with demand');
    const rates = JSON.parse(await readFile(new URL('../../bench/rates.json', import.meta.url), 'utf8')) as {
      engine: string;
    }[];
    if (!rates.some((r) => r.engine === 'cuda'))
      expect(out.stdout).toContain(
        "\n  gpu queue: no price: the cuda engine's rate is unmeasured (bench/gpu-check.sh on a GPU machine measures it; docs/performance.md)\n",
      );
  });

  it('bills instance-hours at the prices of the table --prices names', async () => {
    const prices = join(dir, 'prices.json');
    await writeFile(
      prices,
      JSON.stringify({
        region: 'eu-west-1',
        date: '2027-01-31',
        source: 'my quote',
        jobFixedSeconds: { cpu: 0, gpu: 0 },
        instances: [
          { type: 'c6i.large', queue: 'cpu', vcpus: 2, gpus: 0, onDemandPerHour: 1000, spotPerHour: 500 },
          { type: 'g5.xlarge', queue: 'gpu', vcpus: 4, gpus: 1, onDemandPerHour: 2, spotPerHour: 1 },
        ],
      }),
    );
    const out = await plan(gaussianFile, '--queue', 'cpu', '--prices', prices);
    expect(out.code, out.stderr).toBe(0);
    const row = / {4}c6i\.large +([\d,.]+) instance-hours: on-demand \$([\d,.]+), Spot \$([\d,.]+)/.exec(
      out.stdout,
    );
    const number = (i: number) => Number(row?.[i]?.replaceAll(',', ''));
    // $1,000 an instance-hour on-demand, $500 Spot, of the printed (rounded) instance-hours.
    expect(number(1)).toBeGreaterThan(0);
    expect(number(2) / (1000 * number(1))).toBeCloseTo(1, 2);
    expect(number(3) / (500 * number(1))).toBeCloseTo(1, 2);
    // No fixed cost: the vCPU-hours are the instance-hours of 2-vCPU instances, twice over.
    const vcpuHours = Number(/: ([\d,.]+) vCPU-hours/.exec(out.stdout)?.[1]?.replaceAll(',', ''));
    expect(vcpuHours / (2 * number(1))).toBeCloseTo(1, 2);
    expect(out.stdout).toContain(`  prices: eu-west-1, a snapshot taken 2027-01-31 (${prices}; my quote).`);
  });

  it('refuses a price table that is not one, in one line naming --prices and the field', async () => {
    const prices = join(dir, 'bad-prices.json');
    await writeFile(prices, JSON.stringify({ region: 'us-east-1', date: 'yesterday' }));
    const out = await plan(gaussianFile, '--prices', prices);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^adgap: --prices: '.*bad-prices\.json' at date: .*\n$/);
  });

  it('prints no price without --runner batch', async () => {
    const out = await adgap(['sweep', 'plan', gaussianFile, '--store', join(dir, 'store')]);
    expect(out.code).toBe(0);
    expect(out.stdout).not.toContain('cost on AWS Batch');
  });

  it('refuses --queue without --runner batch, as sweep run does', async () => {
    const out = await adgap(['sweep', 'plan', gaussianFile, '--store', join(dir, 'store'), '--queue', 'cpu']);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      'adgap: --queue: applies to --runner batch only, and this is --runner local, whose jobs run on this machine (did you mean --runner batch?)\n',
    );
  });
});
