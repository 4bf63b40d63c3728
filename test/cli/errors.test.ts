import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adgap } from '../helpers/cli.js';
import { sweepFileInNewFolder } from '../support/tiny-sweeps.js';

describe('the adgap CLI on bad input', () => {
  it('refuses an invalid sweep file with one line naming the field, and trains nothing', async () => {
    const { dir, file } = await sweepFileInNewFolder(
      'name: bad\ndatasets: [gaussian]\nR: [1]\nseeds: [2]\nlearningRates: [0.1]\nmodes: [{ eps: [0.5] }]\n',
    );
    const out = await adgap(['sweep', 'run', file, '--store', join(dir, 'store')]);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe("adgap: modes[0].norm: required with 'eps' (allowed: linf, l2)\n");
    await expect(readdir(join(dir, 'store'))).rejects.toThrow(/ENOENT/);
  });

  it('says which sweep is unknown in which store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adgap-cli-'));
    const out = await adgap(['report', 'nothing-0123abcd', '--store', dir]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^adgap: no sweep 'nothing-0123abcd' in store file:\/\/.*\n$/);
  });

  it('refuses a malformed sweep id before it reaches the store', async () => {
    const out = await adgap(['report', '../../etc', '--store', tmpdir()]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("sweep: '../../etc' is not a sweep id");
  });

  it.each(['demo', 'sweep run', 'report', 'job run'])(
    'prints help for `adgap %s --help`',
    async (command) => {
      const out = await adgap([...command.split(' '), '--help']);
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/^Usage: adgap /);
    },
  );
});
