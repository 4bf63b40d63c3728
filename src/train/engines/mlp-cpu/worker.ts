import { workerData } from 'node:worker_threads';
import type { RunSpec } from '../../run-spec.js';
import { serveUnits } from '../linear-cpu/serve-units.js';
import type { FinishedRun } from '../linear-cpu/train-group.js';
import { MlpKernels, type MlpSharedData } from './kernels.js';
import { trainMlpGroup } from './train-group.js';

const { data, slot } = workerData as { data: MlpSharedData; slot: number };
const kernels = new MlpKernels(data, slot);

serveUnits<RunSpec[], FinishedRun>((runs, post) => trainMlpGroup(runs, kernels, post));
