// A worker does not inherit the tsx loader that bin/adgap.js (or vitest) gave the main thread, so it registers
// tsx before importing its TypeScript entry; a plain .mjs file is the one thing Node can load before that.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
