import { workerData } from 'node:worker_threads';
import type { LoadedDataset } from '../../../datasets/types.js';
import type { RunSpec } from '../../run-spec.js';
import { serveUnits } from './serve-units.js';
import { type FinishedRun, trainGroup } from './train-group.js';

const { data } = workerData as { data: LoadedDataset };

serveUnits<RunSpec[], FinishedRun>((runs, post) => trainGroup(runs, data, post));
