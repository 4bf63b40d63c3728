import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { adgap } from '../helpers/cli.js';
import { snapshot } from '../helpers/sandbox.js';
import { writeFinishedAndFailed } from '../helpers/synthetic-sweep.js';
import { twoRunSweep } from '../support/tiny-sweeps.js';

/**
 * Bad input, as a new user would give it (and a hostile one: issue 25): each case is refused with one line naming
 * the field or the thing, the value and what is allowed (exit 1); the store it was pointed at is left exactly as
 * it was, and nothing is written anywhere else: each case runs with its own HOME, working directory and TMPDIR
 * in a sandbox beside the store, and the sandbox and the file system root are compared before and after.
 */
const GRID = 'datasets: [gaussian]\nmodes: [standard, { norm: linf, eps: [0.5] }]\n';
const sweepFile = (body: string) => `name: bad-input\n${GRID}${body}\n`;
const ok = 'R: [1, 2]\nseeds: [2, 22]\nlearningRates: [0.1, 0.01]\n';

const many = (n: number, f: (i: number) => number) =>
  `[${Array.from({ length: n }, (_, i) => f(i)).join(', ')}]`;

interface Case {
  case: string;
  /** The sweep file given to `sweep run` and `sweep plan`. */
  yaml: string;
  /** stderr after `adgap: `, without its final newline. */
  stderr: string | RegExp;
}

const SWEEP_FILE_CASES: Case[] = [
  {
    case: 'a repeated imbalance ratio',
    yaml: sweepFile('R: [1, 2, 1]\nseeds: [2]\nlearningRates: [0.1]'),
    stderr:
      'R[2]: repeats item [0]; each value may appear once (it would be trained and counted twice) (got 1)',
  },
  {
    case: 'a repeated seed',
    yaml: sweepFile('R: [1]\nseeds: [2, 22, 2]\nlearningRates: [0.1]'),
    stderr:
      'seeds[2]: repeats item [0]; each value may appear once (it would be trained and counted twice) (got 2)',
  },
  {
    case: 'a repeated learning rate',
    yaml: sweepFile('R: [1]\nseeds: [2]\nlearningRates: [0.1, 0.1]'),
    stderr:
      'learningRates[1]: repeats item [0]; each value may appear once (it would be trained and counted twice) (got 0.1)',
  },
  {
    case: 'a repeated radius',
    yaml: `name: bad-input\ndatasets: [gaussian]\nmodes: [{ norm: l2, eps: [2.5, 2.5] }]\n${ok}`,
    stderr:
      'modes[0].eps[1]: repeats item [0]; each value may appear once (it would be trained and counted twice) (got 2.5)',
  },
  {
    case: 'R larger than the smallest split: no minority sample',
    yaml: sweepFile('R: [1, 5000]\nseeds: [2]\nlearningRates: [0.1]'),
    stderr:
      'R[1]: leaves gaussian no minority sample in its validation split (floor(1000 / R) = 0); R must be <= 1000, the smallest split size (got 5000)',
  },
  {
    case: 'R: 1e308',
    yaml: sweepFile('R: [1e308]\nseeds: [2]\nlearningRates: [0.1]'),
    stderr:
      'R[0]: leaves gaussian no minority sample in its validation split (floor(1000 / R) = 0); R must be <= 1000, the smallest split size (got 1e+308)',
  },
  {
    case: 'R: .inf',
    yaml: sweepFile('R: [.inf]\nseeds: [2]\nlearningRates: [0.1]'),
    stderr: 'R[0]: expected a number, an imbalance ratio >= 1 (got Infinity)',
  },
  {
    case: 'a learning rate of .nan',
    yaml: sweepFile('R: [1]\nseeds: [2]\nlearningRates: [.nan]'),
    stderr: 'learningRates[0]: expected a number, a learning rate must be > 0 and <= 10 (got NaN)',
  },
  {
    case: 'a learning rate of 1e300',
    yaml: sweepFile('R: [1]\nseeds: [2]\nlearningRates: [1e300]'),
    stderr: 'learningRates[0]: a learning rate must be > 0 and <= 10 (got 1e+300)',
  },
  {
    case: 'a radius of 1e300',
    yaml: `name: bad-input\ndatasets: [gaussian]\nmodes: [{ norm: linf, eps: [1e300] }]\n${ok}`,
    stderr: 'modes[0].eps[0]: a radius must be > 0 and <= 1000000 (got 1e+300)',
  },
  {
    case: 'a batch size of 1e8',
    yaml: sweepFile(`${ok}batchSize: 100000000`),
    stderr: 'batchSize: a batch size must be a whole number from 1 to 65536 (got 100000000)',
  },
  {
    case: 'a seed the generator would wrap onto another',
    yaml: sweepFile('R: [1]\nseeds: [4294967296]\nlearningRates: [0.1]'),
    stderr: 'seeds[0]: a seed must be a whole number from 0 to 2147483647 (got 4294967296)',
  },
  {
    case: 'a grid of 10 million runs',
    yaml: `name: bad-input\ndatasets: [gaussian, cauchy]\nmodes: [standard]\nR: ${many(10, (i) => i + 1)}\nseeds: ${many(1000, (i) => i)}\nlearningRates: ${many(500, (i) => (i + 1) / 10_000)}\n`,
    stderr:
      'sweep: the grid has 10,000,000 runs, more than the limit of 100,000 per sweep file (datasets x R x fidelities x modes x radii x seeds x learning rates); split it into several sweep files',
  },
];

const syntheticSweep = (synthetic: string) =>
  `name: bad-input\ndatasets:\n  - group: gaussian\n    synthetic: ${synthetic}\nmodes: [standard]\n${ok}`;

/** Values that used to pass validation and fail later (issue 25), and misspelt keys. */
const SWEEP_VALUE_CASES: Case[] = [
  {
    case: 'the same dataset twice',
    yaml: `name: bad-input\ndatasets: [gaussian, gaussian]\nmodes: [standard]\n${ok}`,
    stderr:
      'datasets[1]: names the same dataset as datasets[0] (group, data seed, sizes and synthetic parameters, defaults included); list each dataset once and give it all its modes there (got "gaussian")',
  },
  {
    case: 'the same dataset twice once defaults are filled in, with different modes',
    yaml: `name: bad-input\ndatasets:\n  - gaussian\n  - { group: gaussian, dataSeed: 0, sizes: { train: 4000 }, modes: [{ norm: l2, eps: [1] }] }\nmodes: [standard]\n${ok}`,
    stderr:
      'datasets[1]: names the same dataset as datasets[0] (group, data seed, sizes and synthetic parameters, defaults included); list each dataset once and give it all its modes there (got {"group":"gaussian","dataSeed":0,"sizes":{"train":4000},"modes":[{"norm":"l2","eps":[1]}]})',
  },
  {
    case: 'a mean value of 1e308',
    yaml: syntheticSweep('{ meanValue: 1e308 }'),
    stderr: 'datasets[0].synthetic.meanValue: must be from 1e-6 to 1e6 (got 1e+308)',
  },
  {
    case: 'a noise scale of 1e308',
    yaml: syntheticSweep('{ noiseScale: 1e308 }'),
    stderr: 'datasets[0].synthetic.noiseScale: must be from 1e-6 to 1e6 (got 1e+308)',
  },
  {
    case: 'a noise scale of .nan',
    yaml: syntheticSweep('{ noiseScale: .nan }'),
    stderr: 'datasets[0].synthetic.noiseScale: expected a number, must be from 1e-6 to 1e6 (got NaN)',
  },
  {
    case: 'meanNonZero larger than dim',
    yaml: syntheticSweep('{ dim: 10, meanNonZero: 11 }'),
    stderr:
      'datasets[0].synthetic.meanNonZero: must be at most dim (10): the class mean has dim coordinates (got 11)',
  },
  {
    case: "a misspelt key ('seed' for 'seeds')",
    yaml: `name: bad-input\n${GRID}R: [1]\nseed: [2]\nlearningRates: [0.1]\n`,
    stderr:
      "seed: unknown key, did you mean 'seeds'? (allowed: name, datasets, R, seeds, learningRates, model, optimizer, objective, fidelity, epochs, patience, batchSize, modes, engine, evaluation)",
  },
  {
    case: 'a misspelt key inside a dataset entry',
    yaml: `name: bad-input\ndatasets: [{ group: gaussian, data_seed: 1 }]\nmodes: [standard]\n${ok}`,
    stderr:
      "datasets[0].data_seed: unknown key, did you mean 'dataSeed'? (allowed: group, dataSeed, sizes, synthetic, modes)",
  },
  {
    case: 'a norm that is not one (Linf)',
    yaml: `name: bad-input\ndatasets: [gaussian]\nmodes: [{ norm: Linf, eps: [0.5] }]\n${ok}`,
    stderr: 'modes[0].norm: expected one of linf, l2 (got "Linf")',
  },
  {
    case: 'a dataset no job here can hold (sizes 1,000,000 at dim 100,000)',
    yaml: `name: bad-input\ndatasets:\n  - group: gaussian\n    sizes: { train: 1000000, validation: 1000000, test: 1000000 }\n    synthetic: { dim: 100000 }\nmodes: [standard]\nR: [1]\nseeds: [2]\nlearningRates: [0.1]\n`,
    stderr:
      /^datasets\[0\]: gaussian at R 1 is 2\.91 TiB of arrays \(8,000,000 samples x 100,000 float32 features\), and a job holding it needs about 8\.73 TiB: more than the [\d.]+ GiB a job has \(this machine's [\d.]+ GiB of memory( shared by \d+ jobs at once, see --concurrency)?\); make its sizes or synthetic\.dim smaller$/,
  },
];

const STORE_REFUSAL = (uri: string, why: string) =>
  `adgap: --store: '${uri}' ${why} (allowed: a folder path, file:///absolute/path, s3://bucket or s3://bucket/prefix)`;

/** Everything a case may need: its sandbox's store, and sweep files outside the sandbox. */
interface Context {
  store: string;
  /** A valid sweep file of two tiny runs. */
  okSweep: string;
  /** A store on a read-only file system, holding a finished sweep; undefined where nothing could be mounted. */
  readOnlyStore?: string;
  /** A store folder to be made on a read-only file system; undefined where nothing could be mounted. */
  readOnlyEmpty?: string;
}

interface CliCase {
  case: string;
  args: (context: Context) => string[];
  env?: NodeJS.ProcessEnv;
  /** The whole of stderr, without its final newline. */
  stderr: string | RegExp;
  /** Skipped where the context lacks it (a read-only mount needs root). */
  needs?: keyof Context;
}

const CLI_CASES: CliCase[] = [
  ...(
    [
      ['', 'names no store'],
      ['   ', 'names no store'],
      ['file://', 'is the file system root /, not a store folder'],
      ['file:///', 'is the file system root /, not a store folder'],
      ['/', 'is the file system root /, not a store folder'],
      ['s3:/x', 'is not an S3 address'],
      ['S3://bucket', 'is not an S3 address'],
      ['file:/x', 'is not a file URI'],
      ['file://otherhost/x', "names the host 'otherhost'; a folder store is on this machine"],
      ['~/store', "starts with '~', which only a shell expands; give the full path"],
    ] as const
  ).map(
    ([uri, why]): CliCase => ({
      case: `sweep run --store '${uri}'`,
      args: ({ okSweep }) => ['sweep', 'run', okSweep, '--store', uri],
      stderr: STORE_REFUSAL(uri, why),
    }),
  ),
  ...(
    [
      ['report', 'kept-00000000'],
      ['sweep', 'list'],
      ['sweep', 'status', 'kept-00000000'],
      ['data', 'prepare', 'gaussian', '--R', '2'],
      ['job', 'run', '--sweep', 'kept-00000000', '--job', '0'],
      ['serve', '--port', '0'],
    ] as const
  ).map(
    (command): CliCase => ({
      case: `${command.join(' ')} --store ''`,
      args: () => [...command, '--store', ''],
      stderr: STORE_REFUSAL('', 'names no store'),
    }),
  ),
  {
    case: 'sweep run into /proc, whose folders mkdir -p used to wait for forever',
    args: ({ okSweep }) => ['sweep', 'run', okSweep, '--store', '/proc/adgap-store'],
    stderr:
      "adgap: cannot create the folder '/proc/adgap-store': its file system creates no folders (mkdir answers ENOENT although '/proc' exists, as in /proc and /sys); use a folder on an ordinary file system",
  },
  {
    case: 'data prepare into /proc',
    args: () => ['data', 'prepare', 'gaussian', '--R', '2', '--store', '/proc/adgap-store'],
    stderr:
      "adgap: cannot create the folder '/proc/adgap-store': its file system creates no folders (mkdir answers ENOENT although '/proc' exists, as in /proc and /sys); use a folder on an ordinary file system",
  },
  {
    case: 'sweep run into a store on a read-only file system',
    args: ({ okSweep, readOnlyStore }) => ['sweep', 'run', okSweep, '--store', readOnlyStore as string],
    stderr:
      /^adgap: cannot write 'datasets\/gaussian-R2-[^']+\.npy' in store file:\/\/\/\S+\/read-only: read-only file system \(EROFS\); use a writable --store$/,
    needs: 'readOnlyStore',
  },
  {
    case: 'sweep run into a new store folder on a read-only file system',
    args: ({ okSweep, readOnlyEmpty }) => ['sweep', 'run', okSweep, '--store', readOnlyEmpty as string],
    stderr:
      /^adgap: cannot write 'datasets\/gaussian-R2-[^']+\.npy' in store file:\/\/\/\S+\/read-only-empty\/store: read-only file system \(EROFS\); use a writable --store$/,
    needs: 'readOnlyEmpty',
  },
  {
    case: 'data prepare with R above the smallest split size: the rule a sweep file has',
    args: ({ store }) => [
      'data',
      'prepare',
      'gaussian',
      '--R',
      '1000',
      '--validation',
      '20',
      '--test',
      '20',
      '--store',
      store,
    ],
    stderr:
      'adgap: --R: leaves gaussian no minority sample in its validation split (floor(20 / R) = 0); R must be <= 20, the smallest split size (got 1000)',
  },
  {
    case: 'data prepare with a split size over the limit',
    args: ({ store }) => ['data', 'prepare', 'gaussian', '--R', '2', '--train', '2000000', '--store', store],
    stderr: 'adgap: --train: a split size must be a whole number from 1 to 1000000 (got 2000000)',
  },
  {
    case: 'data prepare with a data seed the generator would wrap',
    args: ({ store }) => [
      'data',
      'prepare',
      'gaussian',
      '--R',
      '2',
      '--data-seed',
      '4294967296',
      '--store',
      store,
    ],
    stderr: 'adgap: --data-seed: a seed must be a whole number from 0 to 2147483647 (got 4294967296)',
  },
  {
    case: 'data prepare with a ratio twice',
    args: ({ store }) => ['data', 'prepare', 'gaussian', '--R', '2,2', '--store', store],
    stderr:
      'adgap: --R: repeats item [0]; each value may appear once (it would be trained and counted twice) (got 2)',
  },
  {
    case: 'serve on an address of another machine',
    args: ({ store }) => ['serve', '--host', '8.8.8.8', '--port', '8787', '--store', store],
    stderr:
      'adgap: cannot listen on 8.8.8.8:8787: not an address of this machine (EADDRNOTAVAIL); check --host',
  },
  {
    case: 'serve on an empty host, which would bind every address',
    args: ({ store }) => ['serve', '--host', '', '--store', store],
    stderr:
      "error: option '--host <address>' argument '' is invalid. --host must name an address to bind, e.g. 127.0.0.1 (an empty one would bind every address; say 0.0.0.0 or '::' for that)",
  },
  {
    case: 'job run with an AWS_BATCH_JOB_ARRAY_INDEX that is not a number',
    args: ({ store }) => ['job', 'run', '--sweep', 'kept-00000000', '--store', store],
    env: { AWS_BATCH_JOB_ARRAY_INDEX: 'abc' },
    stderr:
      "adgap: AWS_BATCH_JOB_ARRAY_INDEX: 'abc' is not a job index (a whole number >= 0; AWS Batch sets it for an array child, elsewhere give --job)",
  },
  ...(['sweep run', 'demo', 'paper'] as const).map(
    (command): CliCase => ({
      case: `${command} --concurrency 1e9`,
      args: ({ okSweep, store }) => [
        ...command.split(' '),
        ...(command === 'sweep run' ? [okSweep] : []),
        '--concurrency',
        '1e9',
        '--store',
        store,
      ],
      stderr:
        /^error: option '--concurrency <n>' argument '1e9' is invalid\. --concurrency must be a whole number from 1 to (\d+): each job is a process of about 256 MiB before its data, and this machine's [\d.]+ GiB of memory hold at most \1 \(got '1e9'\)$/,
    }),
  ),
  ...(['--queue cpu', '--outputs cdk-outputs.local.json'] as const).flatMap((flag) =>
    (['sweep run', 'paper'] as const).map(
      (command): CliCase => ({
        case: `${command} ${flag} without --runner batch`,
        args: ({ okSweep, store }) => [
          ...command.split(' '),
          ...(command === 'sweep run' ? [okSweep] : []),
          ...flag.split(' '),
          '--store',
          store,
        ],
        stderr: `adgap: ${flag.split(' ')[0]}: applies to --runner batch only, and this is --runner local, whose jobs run on this machine (did you mean --runner batch?)`,
      }),
    ),
  ),
  {
    case: 'sweep run --runner batch --concurrency 2',
    args: ({ okSweep, store }) => [
      'sweep',
      'run',
      okSweep,
      '--runner',
      'batch',
      '--concurrency',
      '2',
      '--store',
      store,
    ],
    stderr:
      'adgap: --concurrency: applies to --runner local and docker: AWS Batch starts as many jobs as its compute environment allows',
  },
];

let sandbox: string;
let files: string;
const context = {} as Context;
let rootEntries: string[];
const mounts: string[] = [];

/** Mounts a read-only file system at `at` (a bind of itself, or an empty tmpfs); false where that is refused. */
function mountReadOnly(at: string, bind: boolean): boolean {
  try {
    if (bind) {
      execFileSync('mount', ['--bind', at, at], { stdio: 'ignore' });
      mounts.push(at);
      execFileSync('mount', ['-o', 'remount,bind,ro', at], { stdio: 'ignore' });
    } else {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', at], { stdio: 'ignore' });
      mounts.push(at);
    }
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  // Each case runs with this HOME, working directory and TMPDIR, so whatever it writes outside the store is seen.
  sandbox = await mkdtemp(join(tmpdir(), 'adgap-bad-input-'));
  files = await mkdtemp(join(tmpdir(), 'adgap-bad-input-files-'));
  await Promise.all(['home', 'cwd', 'tmp'].map((d) => mkdir(join(sandbox, d))));
  context.store = join(sandbox, 'store');
  // A store that already holds a sweep with results and a failure: nothing of it may change.
  await writeFinishedAndFailed(new LocalFolderStore(context.store), 'kept');
  context.okSweep = join(files, 'ok.yaml');
  await writeFile(context.okSweep, twoRunSweep('bad-input-ok'));
  const readOnly = join(sandbox, 'read-only');
  await writeFinishedAndFailed(new LocalFolderStore(readOnly), 'kept');
  if (mountReadOnly(readOnly, true)) context.readOnlyStore = readOnly;
  const readOnlyEmpty = join(sandbox, 'read-only-empty');
  await mkdir(readOnlyEmpty);
  if (mountReadOnly(readOnlyEmpty, false)) context.readOnlyEmpty = join(readOnlyEmpty, 'store');
  rootEntries = await readdir('/');
});

afterAll(() => {
  for (const at of mounts.reverse()) execFileSync('umount', [at]);
});

async function refused(args: string[], stderr: string | RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const before = await snapshot(sandbox);
  const out = await adgap(
    args,
    { HOME: join(sandbox, 'home'), TMPDIR: join(sandbox, 'tmp'), ...env },
    join(sandbox, 'cwd'),
  );
  if (typeof stderr === 'string') expect(out.stderr).toBe(`${stderr}\n`);
  else expect(out.stderr.replace(/\n$/, '')).toMatch(stderr);
  expect(out.code).toBe(1);
  expect(out.stdout).toBe('');
  expect(await snapshot(sandbox)).toEqual(before);
  expect(await readdir('/')).toEqual(rootEntries);
}

async function sweepFileAt(yaml: string): Promise<string> {
  const file = join(files, `${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  return file;
}

const prefixed = (stderr: string | RegExp) =>
  typeof stderr === 'string' ? `adgap: ${stderr}` : new RegExp(`^adgap: ${stderr.source.slice(1)}`);

describe('adgap sweep run refuses a bad sweep file, writing nothing', () => {
  it.each([...SWEEP_FILE_CASES, ...SWEEP_VALUE_CASES])('$case', async ({ yaml, stderr }) => {
    await refused(['sweep', 'run', await sweepFileAt(yaml), '--store', context.store], prefixed(stderr));
  });
});

describe('adgap sweep plan validates as sweep run does', () => {
  it.each(
    [...SWEEP_FILE_CASES, ...SWEEP_VALUE_CASES].filter((c) =>
      /million|twice$|hold|misspelt key \(/.test(c.case),
    ),
  )('$case', async ({ yaml, stderr }) => {
    await refused(['sweep', 'plan', await sweepFileAt(yaml), '--store', context.store], prefixed(stderr));
  });
});

describe('the CLI refuses bad addresses, flags and environments, writing nothing anywhere', () => {
  it.for(CLI_CASES)('$case', async (cliCase, test) => {
    if (cliCase.needs !== undefined && context[cliCase.needs] === undefined) test.skip();
    await refused(cliCase.args(context), cliCase.stderr, cliCase.env);
  });

  it('still reads a store on a read-only file system: its report prints', async (test) => {
    if (context.readOnlyStore === undefined) test.skip();
    const { sweepId } = await writeFinishedAndFailed(
      new LocalFolderStore(await mkdtemp(join(files, 'id-'))),
      'kept',
    );
    const out = await adgap(['report', sweepId, '--store', context.readOnlyStore as string]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('runs: 1/2 finished, 1 failed');
  });
});
