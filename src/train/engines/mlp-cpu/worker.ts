import { workerData } from 'node:worker_threads';
import { GroupCell } from '../wasm-worker/group-cell.js';
import { serveTraining } from '../wasm-worker/serve-training.js';
import { MlpKernels, type MlpSharedData } from './kernels.js';
import { mlpGroup } from './train-group.js';

const { data, slot } = workerData as { data: MlpSharedData; slot: number };
const kernels = new MlpKernels(data, slot);

serveTraining((runs) => new GroupCell(runs, mlpGroup(runs, kernels)));
