import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { isProcessAlive } from '../../src/cli/lease-owner.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { adgap, CLI } from '../helpers/cli.js';
import { writeFinishedAndFailed } from '../helpers/synthetic-sweep.js';
import { sweepFileInNewFolder } from '../support/tiny-sweeps.js';

describe('small things a new user meets', () => {
  it('adgap --version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const out = await adgap(['--version']);
    expect(out).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("adgap sweep list lists a store's sweeps with their progress, and says when there are none", async () => {
    const root = await mkdtemp(join(tmpdir(), 'adgap-list-'));
    const empty = await adgap(['sweep', 'list', '--store', root]);
    expect(empty).toMatchObject({ code: 0, stdout: `no sweeps in store file://${root}\n` });
    const { sweepId } = await writeFinishedAndFailed(new LocalFolderStore(root), 'listed');
    const out = await adgap(['sweep', 'list', '--store', root]);
    expect(out).toMatchObject({
      code: 0,
      stdout: `${sweepId}  created 2025-01-01T00:00:00.000Z  1/2 finished, 1 failed\n`,
    });
  });

  it("the API's 404 names the sweep, never the store's path", async () => {
    const root = await mkdtemp(join(tmpdir(), 'adgap-404-'));
    const response = await createApp(new LocalFolderStore(root)).request('/sweeps/nosuch-0123abcd/report');
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toBe("no sweep 'nosuch-0123abcd'");
  });

  it('sweep plan does not promise early stopping when patience is not below epochs', async () => {
    const { dir, file } = await sweepFileInNewFolder(
      'name: short\ndatasets: [gaussian]\nR: [1]\nseeds: [2]\nlearningRates: [0.1]\nepochs: 5\nmodes: [standard]\n',
    );
    const out = await adgap(['sweep', 'plan', file, '--store', join(dir, 'store')]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(
      'patience 50 >= 5 epochs: early stopping never ends a run early, every run trains all 5 epochs',
    );
    expect(out.stdout).not.toContain('well before');
  });

  it('adgap serve stops when the wrapper that started it (npx) is killed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'adgap-orphan-'));
    // A shell stands in for npx: it starts the server, prints its pid, and waits.
    const wrapper = spawn(
      'sh',
      ['-c', `"${process.execPath}" "${CLI}" serve --port 0 --store "${root}" & echo $!; wait`],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let output = '';
    wrapper.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    const deadline = Date.now() + 30_000;
    while (!output.includes('adgap API on') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const pid = Number(output.split('\n')[0]);
    expect(output).toContain('adgap API on');
    wrapper.kill('SIGKILL');
    // A zombie has stopped: its parent (the wrapper) is gone and PID 1 may reap it only later.
    const alive = () => isProcessAlive(pid);
    const stopBy = Date.now() + 10_000;
    while (alive() && Date.now() < stopBy) await new Promise((r) => setTimeout(r, 100));
    const stillAlive = alive();
    if (stillAlive) process.kill(pid, 'SIGKILL');
    expect(stillAlive).toBe(false);
  }, 60_000);
});
