import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { adgap } from '../helpers/cli.js';
import { snapshot } from '../helpers/sandbox.js';
import { writeFinishedAndFailed } from '../helpers/synthetic-sweep.js';
import { sweepIntoNewStore, twoRunSweep } from '../support/tiny-sweeps.js';

/**
 * Corrupt and foreign objects in a store (issue 25), the kin of bad-input.test.ts: each case damages a copy of
 * a store holding a sweep `sweep run` trained (both runs finished) and a synthetic one ('kept', listed beside
 * it), then runs one command with its own HOME, TMPDIR and working directory in a sandbox around the store.
 * The command names the object and what is wrong, with the case's exit status (never 2, an internal error);
 * nothing is written outside the store, and the store is left as the damage left it, except a lease the case
 * names, which is moved aside under `<key>.unreadable-<ms>` with its bytes.
 */
interface Fixture {
  /** The sweep file `sweep run` trained. */
  file: string;
  sweepId: string;
  /** The synthetic sweep beside it. */
  kept: string;
  /** The run id of a result of `kept`: a run `sweepId`'s plan does not hold. */
  keptRunId: string;
}

interface StoreCase {
  case: string;
  /** Damages the store folder `store`. */
  damage: (store: string, f: Fixture) => Promise<void>;
  args: (store: string, f: Fixture) => string[];
  code: 0 | 1;
  /** The whole of stderr, without its final newline. */
  stderr: (store: string, f: Fixture) => RegExp;
  /** What stdout must hold (the whole of it for a string). */
  stdout?: (store: string, f: Fixture) => string | RegExp;
  /** The lease key the command moves aside (to `<key>.unreadable-<ms>`). */
  moved?: (f: Fixture) => string;
}

const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ADVICE = quote(
  '; it is written from the sweep file: move it away and run `adgap sweep run` on that file to write it again',
);
const NOT_JSON = '\\(.+; \\d+ bytes\\)';

/** The newest generation of job 0's lease (the trained sweep released it: an expired generation). */
const leaseOf = (f: Fixture) => `leases/${f.sweepId}/job-0/000000000002.json`;
const sweepJson = (f: Fixture) => `sweeps/${f.sweepId}/sweep.json`;
const planJson = (f: Fixture) => `sweeps/${f.sweepId}/plan.json`;
const put = (store: string, key: string, body: string) => writeFile(join(store, key), body);
const copy = async (store: string, from: string, to: string) =>
  put(store, to, await readFile(join(store, from), 'utf8'));

/** Every command that reads the object, with its message; `sweep run` is given the sweep file. */
const unreadableObject = (
  what: string,
  key: (f: Fixture) => string,
  body: (f: Fixture) => string,
  reason: (f: Fixture) => string,
  commands: readonly ('report' | 'sweep run' | 'sweep status')[],
): StoreCase[] =>
  commands.map((command) => ({
    case: `${command} with ${what}`,
    damage: (store, f) => put(store, key(f), body(f)),
    args: (store, f) => [
      ...command.split(' '),
      command === 'sweep run' ? f.file : f.sweepId,
      '--store',
      store,
    ],
    code: 1,
    stderr: (store, f) =>
      new RegExp(`^adgap: ${quote(key(f))} in store file://${quote(store)} ${reason(f)}${ADVICE}$`),
    stdout: () => '',
  }));

const CASES: StoreCase[] = [
  ...(
    [
      ['garbage', () => 'garbage', `not JSON ${NOT_JSON}`],
      ['another shape', () => '{"holder": "someone"}\n', `${quote('not a lease (jobIndex: ')}.+\\)`],
      [
        "another job's lease",
        (_f: Fixture) =>
          JSON.stringify({
            jobIndex: 7,
            generation: 2,
            owner: 'x',
            expiresAt: new Date(Date.now() + 60_000).toISOString(),
          }),
        quote('names job 7 generation 2, not the job and generation of its key'),
      ],
    ] as const
  ).map(
    ([what, body, reason]): StoreCase => ({
      case: `sweep run with a lease of ${what}`,
      damage: (store, f) => put(store, leaseOf(f), body(f)),
      args: (store, f) => ['sweep', 'run', f.file, '--store', store],
      code: 0,
      stderr: (_, f) =>
        new RegExp(
          `^unreadable lease ${quote(leaseOf(f))} \\(${reason}\\): moved to ${quote(leaseOf(f))}\\.unreadable-\\d+, counted as expired\\n\\[2/2\\] resuming: 2 runs already have results .*$`,
        ),
      stdout: () => /runs: 2\/2 finished, 0 failed, 0 without a result/,
      moved: leaseOf,
    }),
  ),
  {
    case: 'sweep run with a .json object in a lease folder that no lease writer names',
    damage: (store, f) => put(store, `leases/${f.sweepId}/job-0/copy.json`, '{}'),
    args: (store, f) => ['sweep', 'run', f.file, '--store', store],
    code: 0,
    stderr: (_, f) =>
      new RegExp(
        `^unreadable lease ${quote(`leases/${f.sweepId}/job-0/copy.json`)} ${quote('(not named as a lease generation (job-<n>/<12 digits>.json))')}: moved to .+\\.unreadable-\\d+, counted as expired\\n\\[2/2\\] resuming: .*$`,
      ),
    stdout: () => /runs: 2\/2 finished/,
    moved: (f) => `leases/${f.sweepId}/job-0/copy.json`,
  },
  ...unreadableObject(
    'a garbage plan.json',
    planJson,
    () => '{',
    () => `is not JSON ${NOT_JSON}`,
    ['report', 'sweep run', 'sweep status'],
  ),
  ...unreadableObject(
    'a plan.json of another schema',
    planJson,
    (f) => JSON.stringify({ sweepId: f.sweepId, jobs: {} }),
    () => quote('is not a plan (jobs: Invalid input: expected array, received object)'),
    ['report', 'sweep status'],
  ),
  ...unreadableObject(
    'a garbage sweep.json',
    sweepJson,
    () => 'garbage',
    () => `is not JSON ${NOT_JSON}`,
    ['sweep run', 'sweep status'],
  ),
  ...unreadableObject(
    'a sweep.json of another schema',
    sweepJson,
    (f) => JSON.stringify({ sweepId: f.sweepId, title: 'x' }),
    () => quote('is not a sweep document (name: Invalid input: expected string, received undefined)'),
    ['sweep status'],
  ),
  ...unreadableObject(
    "another sweep's sweep.json (foreign)",
    sweepJson,
    (f) =>
      JSON.stringify({
        sweepId: f.kept,
        name: 'kept',
        createdAt: 'now',
        definition: { name: 'kept' },
        runCount: 2,
        jobCount: 1,
      }),
    (f) =>
      quote(`is foreign: it names sweep '${f.kept}', not `) +
      `'[^']+'${quote(', the sweep whose folder holds it')}`,
    ['sweep run', 'sweep status'],
  ),
  ...(
    [
      [
        'a garbage sweep.json',
        async (store: string, f: Fixture) => put(store, sweepJson(f), 'garbage'),
        `is not JSON ${NOT_JSON}`,
      ],
      [
        'a sweep.json of another schema',
        async (store: string, f: Fixture) => put(store, sweepJson(f), JSON.stringify({ sweepId: f.sweepId })),
        quote('is not a sweep document (name: Invalid input: expected string, received undefined)'),
      ],
      [
        "another sweep's sweep.json (foreign)",
        async (store: string, f: Fixture) => copy(store, `sweeps/${f.kept}/sweep.json`, sweepJson(f)),
        '',
      ],
    ] as const
  ).map(
    ([what, damage, reason]): StoreCase => ({
      case: `sweep list with ${what}: the others listed, it skipped and named`,
      damage,
      args: (store) => ['sweep', 'list', '--store', store],
      code: 1,
      stderr: (_, f) =>
        new RegExp(
          `^adgap: skipped sweep ${f.sweepId}: ${quote(sweepJson(f))} ${reason || quote(`is foreign: it names sweep '${f.kept}', not '${f.sweepId}', the sweep whose folder holds it`)}$`,
        ),
      // Listed once, under its own id, never under the id of a copied sweep.json.
      stdout: (_, f) => `${f.kept}  created 2025-01-01T00:00:00.000Z  1/2 finished, 1 failed\n`,
    }),
  ),
  ...(
    [
      ['a result of a run of another sweep', (f: Fixture) => JSON.stringify({ copied: f.keptRunId })],
      ['a garbage result of a run not in the plan', () => 'garbage'],
    ] as const
  ).flatMap(([what, body]): StoreCase[] => [
    {
      case: `sweep status with ${what}: named foreign, counted neither finished, pending nor unreadable`,
      damage: async (store, f) => {
        await copy(
          store,
          `sweeps/${f.kept}/results/${f.keptRunId}.json`,
          `sweeps/${f.sweepId}/results/${f.keptRunId}.json`,
        );
        await put(store, `sweeps/${f.sweepId}/results/${f.keptRunId}.json`, body(f));
      },
      args: (store, f) => ['sweep', 'status', f.sweepId, '--store', store],
      code: 0,
      stderr: () => /^$/,
      stdout: (store, f) =>
        `sweep: ${f.sweepId}\nstore: file://${store}\nruns: 2 planned, 2 finished, 0 failed, 0 pending\n  1 foreign object(s), of runs this sweep's plan does not hold (copied from another sweep?), not counted: sweeps/${f.sweepId}/results/${f.keptRunId}.json\n`,
    },
    {
      case: `report with ${what}: not counted, not unreadable`,
      damage: (store, f) => put(store, `sweeps/${f.sweepId}/results/${f.keptRunId}.json`, body(f)),
      args: (store, f) => ['report', f.sweepId, '--store', store],
      code: 0,
      stderr: () => /^$/,
      stdout: () => /runs: 2\/2 finished, 0 failed, 0 without a result\n(?![\s\S]*unreadable)/,
    },
  ]),
];

let fixtureStore: string;
const fixture = {} as Fixture;
let rootEntries: string[];

beforeAll(async () => {
  const { file, root, sweepId } = await sweepIntoNewStore(
    'adgap-corrupt-store-',
    twoRunSweep('corrupt-store'),
  );
  const kept = await writeFinishedAndFailed(new LocalFolderStore(root), 'kept');
  const keptRun = kept.runs.find((r) => r.learningRate === 0.1);
  Object.assign(fixture, { file, sweepId, kept: kept.sweepId, keptRunId: keptRun?.runId });
  fixtureStore = root;
  expect(await readdir(join(root, 'leases', sweepId, 'job-0'))).toEqual(['000000000002.json']);
  rootEntries = await readdir('/');
}, 120_000);

describe('corrupt or foreign store objects are named, never an internal error, and change nothing else', () => {
  it.each(CASES)('$case', async ({ damage, args, code, stderr, stdout, moved }) => {
    const sandbox = await mkdtemp(join(tmpdir(), 'adgap-corrupt-store-case-'));
    await Promise.all(['home', 'cwd', 'tmp'].map((d) => mkdir(join(sandbox, d))));
    const store = join(sandbox, 'store');
    await cp(fixtureStore, store, { recursive: true });
    await damage(store, fixture);
    const before = await snapshot(sandbox);
    const out = await adgap(
      args(store, fixture),
      { HOME: join(sandbox, 'home'), TMPDIR: join(sandbox, 'tmp') },
      join(sandbox, 'cwd'),
    );
    expect(out.stderr.replace(/\n$/, '')).toMatch(stderr(store, fixture));
    expect(out.code, out.stderr).toBe(code);
    const expectedOut = stdout?.(store, fixture);
    if (typeof expectedOut === 'string') expect(out.stdout).toBe(expectedOut);
    else if (expectedOut !== undefined) expect(out.stdout).toMatch(expectedOut);
    const after = await snapshot(sandbox);
    if (moved !== undefined) {
      const from = `store/${moved(fixture)}`;
      const to = [...after.keys()].filter((path) => path.startsWith(`${from}.unreadable-`));
      expect(to).toEqual([expect.stringMatching(/\.unreadable-\d+$/)]);
      expect(after.get(to[0] as string)).toBe(before.get(from));
      before.delete(from);
      after.delete(to[0] as string);
    }
    expect(after).toEqual(before);
    expect(await readdir('/')).toEqual(rootEntries);
    await rm(sandbox, { recursive: true, force: true });
  });
});
