import { workerData } from 'node:worker_threads';
import type { RunSpec } from '../../run-spec.js';
import { Kernels, type SharedKernelData } from './kernels.js';
import { serveUnits } from './serve-units.js';
import { type FinishedRun, trainGroup } from './train-group.js';

const { data, slot } = workerData as { data: SharedKernelData; slot: number };
const kernels = new Kernels(data, slot);

serveUnits<RunSpec[], FinishedRun>((runs, post) => trainGroup(runs, kernels, post));
