import { workerData } from 'node:worker_threads';
import { GroupCell } from '../wasm-worker/group-cell.js';
import type { SharedKernelData } from '../wasm-worker/kernel-memory.js';
import { serveTraining } from '../wasm-worker/serve-training.js';
import { LinearKernels } from './kernels.js';
import { linearGroup } from './train-group.js';

const { data, slot } = workerData as { data: SharedKernelData; slot: number };
const kernels = new LinearKernels(data, slot);

serveTraining((runs) => new GroupCell(runs, linearGroup(runs, kernels)));
