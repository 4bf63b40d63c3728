import { cuda } from './cuda/descriptor.js';
import { linearCpu } from './linear-cpu/descriptor.js';
import { mlpCpu } from './mlp-cpu/descriptor.js';
import { tfjs } from './tfjs/descriptor.js';

/**
 * Every engine, one line each, in order of preference: unasked, a cell gets the first that trains every run on
 * a GPU here, else the first that trains every run on the CPUs (choose.ts). Adding an engine is a folder with a
 * descriptor (src/train/engine.ts's EngineDescriptor) and a line here.
 */
export const ENGINES = [cuda, linearCpu, mlpCpu, tfjs] as const;

export type EngineName = (typeof ENGINES)[number]['name'];
