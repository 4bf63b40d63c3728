import { workerData } from 'node:worker_threads';
import type { RunSpec } from '../../run-spec.js';
import type { SharedKernelData } from '../wasm-worker/kernel-memory.js';
import { serveUnits } from '../wasm-worker/serve-units.js';
import type { FinishedRun } from '../wasm-worker/train-together.js';
import { MlpKernels } from './kernels.js';
import { trainMlpGroup } from './train-group.js';

const { data, slot } = workerData as { data: SharedKernelData; slot: number };
const kernels = new MlpKernels(data, slot);

serveUnits<RunSpec[], FinishedRun>((runs, post) => trainMlpGroup(runs, kernels, post));
