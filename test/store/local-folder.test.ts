import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { describeStoreContract } from './store-contract.js';

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'adgap-local-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describeStoreContract('LocalFolderStore', async () => new LocalFolderStore(join(root, `store-${count++}`)));
