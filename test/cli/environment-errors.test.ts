import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFolderStore, STALE_PARTIAL_MS } from '../../src/store/local-folder.js';
import { systemErrorMessage } from '../../src/system-error.js';
import { adgap } from '../helpers/cli.js';

const SWEEP_YAML = `name: env-check
datasets: [gaussian]
R: [2]
seeds: [2]
learningRates: [0.01]
epochs: 2
patience: 2
modes: [standard]
`;

let dir: string;
let sweepFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adgap-env-'));
  sweepFile = join(dir, 'sweep.yaml');
  await writeFile(sweepFile, SWEEP_YAML);
});

/** A 64 KiB tmpfs: a real full disk. Mounting needs root (CI and the development machine have it). */
function mountSmallDisk(at: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', at], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function filesUnder(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('a full disk', () => {
  let disk: string;
  let mounted = false;
  beforeAll(async () => {
    disk = join(dir, 'full');
    await mkdir(disk);
    mounted = mountSmallDisk(disk);
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [disk]);
  });

  it('fails sweep run with one line naming the key, the store and the cause, status 1, and leaves no .partial file', async (context) => {
    if (!mounted) context.skip();
    const out = await adgap(['sweep', 'run', sweepFile, '--store', disk]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /^adgap: cannot write 'datasets\/gaussian-R2-[^']+\.npy' in store file:\/\/\S+\/full: no space left on the device \(ENOSPC\); free some space or use another --store\n$/,
    );
    expect((await filesUnder(disk)).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});

describe('environment errors name the path, port or host, with status 1', () => {
  it('a folder the store cannot write to', async () => {
    const out = await adgap(['sweep', 'run', sweepFile, '--store', '/sys/kernel/adgap-store']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /^adgap: cannot write 'datasets\/[^']+' in store file:\/\/\/sys\/kernel\/adgap-store: (operation not permitted \(EPERM\)|permission denied \(EACCES\)|read-only file system \(EROFS\)); /,
    );
  });

  it('a port in use', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const out = await adgap(['serve', '--port', String(port), '--store', dir]);
      expect(out.code).toBe(1);
      expect(out.stderr).toBe(
        `adgap: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE); choose another --port (0 picks a free one)\n`,
      );
    } finally {
      busy.close();
    }
  });

  it('an unknown S3 endpoint host', async () => {
    const out = await adgap(['report', 'x-01234567', '--store', 's3://bucket'], {
      ADGAP_S3_ENDPOINT: 'http://no-such-host.invalid:9',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
      AWS_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /^adgap: cannot reach the S3 endpoint for s3:\/\/bucket \(getaddrinfo (ENOTFOUND|EAI_AGAIN) no-such-host\.invalid\); check ADGAP_S3_ENDPOINT and the network\n$/,
    );
  });

  it('a write that fails without a path in the error (ENOSPC on /dev/full) still says what failed', async () => {
    const error = await writeFile('/dev/full', 'x').catch((e: unknown) => e);
    expect(systemErrorMessage(error)).toBe(
      'write failed: no space left on the device (ENOSPC); free some space or use another --store',
    );
  });
});

describe('temporary files of the folder store', () => {
  it('a stale .partial file left by a dead writer is removed by the next listing; a live one is kept', async () => {
    const root = join(dir, 'partials');
    const store = new LocalFolderStore(root);
    await store.put('sweeps/s/results/a.json', '{}');
    const folder = join(root, 'sweeps', 's', 'results');
    const stale = join(folder, 'b.json.0123456789ab.partial');
    const live = join(folder, 'c.json.ba9876543210.partial');
    await writeFile(stale, '{"trunc');
    await writeFile(live, '{"being written');
    const old = new Date(Date.now() - STALE_PARTIAL_MS - 60_000);
    await utimes(stale, old, old);

    const page = await store.list('sweeps/s/results/');
    expect(page.objects.map((o) => o.key)).toEqual(['sweeps/s/results/a.json']);
    await expect(stat(stale)).rejects.toThrow(/ENOENT/);
    expect((await stat(live)).isFile()).toBe(true);
    await rm(root, { recursive: true });
  });
});
