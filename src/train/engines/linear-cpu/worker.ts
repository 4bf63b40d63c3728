import { workerData } from 'node:worker_threads';
import type { RunSpec } from '../../run-spec.js';
import type { SharedKernelData } from '../wasm-worker/kernel-memory.js';
import { serveUnits } from '../wasm-worker/serve-units.js';
import type { FinishedRun } from '../wasm-worker/train-together.js';
import { LinearKernels } from './kernels.js';
import { trainGroup } from './train-group.js';

const { data, slot } = workerData as { data: SharedKernelData; slot: number };
const kernels = new LinearKernels(data, slot);

serveUnits<RunSpec[], FinishedRun>((runs, post) => trainGroup(runs, kernels, post));
