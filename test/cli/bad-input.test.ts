import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { adgap } from '../helpers/cli.js';
import { writeFinishedAndFailed } from '../helpers/synthetic-sweep.js';

/**
 * Bad input, as a new user would give it: each case is refused with one line naming the field or the thing,
 * the value and what is allowed (exit 1), and the store it was pointed at is left exactly as it was.
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
  stderr: string;
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

let dir: string;
let store: string;

/** Every file of the store with its content. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(path, await readFile(path, 'utf8'));
    }
  }
  return files;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adgap-bad-input-'));
  store = join(dir, 'store');
  // A store that already holds a sweep with results and a failure: nothing of it may change.
  await writeFinishedAndFailed(new LocalFolderStore(store), 'kept');
});

async function refused(args: string[], stderr: string): Promise<void> {
  const before = await snapshot(store);
  const out = await adgap(args);
  expect(out.stderr).toBe(`adgap: ${stderr}\n`);
  expect(out.code).toBe(1);
  expect(out.stdout).toBe('');
  expect(await snapshot(store)).toEqual(before);
}

async function sweepFileAt(yaml: string): Promise<string> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  return file;
}

describe('adgap sweep run refuses a bad sweep file, writing nothing', () => {
  it.each(SWEEP_FILE_CASES)('$case', async ({ yaml, stderr }) => {
    await refused(['sweep', 'run', await sweepFileAt(yaml), '--store', store], stderr);
  });
});

describe('adgap sweep plan validates as sweep run does', () => {
  it.each(SWEEP_FILE_CASES.filter((c) => c.case.includes('million')))('$case', async ({ yaml, stderr }) => {
    await refused(['sweep', 'plan', await sweepFileAt(yaml), '--store', store], stderr);
  });
});
