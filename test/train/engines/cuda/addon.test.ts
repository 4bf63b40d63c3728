import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadCudaAddon } from '../../../../src/train/engines/cuda/addon.js';

// A stand-in for the addon: loadCudaAddon only requires the file and asks device(), so a CommonJS module with
// the same export exercises its handling of what device() does.
function fakeAddon(device: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'adgap-addon-')), 'addon.cjs');
  writeFileSync(path, `module.exports = { device: ${device} };`);
  return path;
}

test('a device probe that throws (a GPU this build has no code for) is a reason, not a crash', () => {
  const path = fakeAddon(
    `() => { throw new Error('launch: no kernel image is available for execution on the device'); }`,
  );
  expect(loadCudaAddon(path)).toEqual({
    available: false,
    reason: 'no usable GPU: launch: no kernel image is available for execution on the device',
    built: true,
  });
});

test('a device that names itself is usable, with the name as the device', () => {
  const path = fakeAddon(`() => ({ backend: 'cuda', name: 'Tesla T4 (sm_75)' })`);
  expect(loadCudaAddon(path)).toMatchObject({ available: true, backend: 'cuda', device: 'Tesla T4 (sm_75)' });
});

test('a device that gives a reason is not usable, with the reason told', () => {
  const path = fakeAddon(`() => ({ backend: 'cuda', reason: 'no CUDA device' })`);
  expect(loadCudaAddon(path)).toEqual({
    available: false,
    reason: 'no usable GPU: no CUDA device',
    built: true,
  });
});
