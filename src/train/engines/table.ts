import type { EngineDescriptor } from '../engine.js';
import { cuda } from './cuda/descriptor.js';
import { linearCpu } from './linear-cpu/descriptor.js';
import { mlpCpu } from './mlp-cpu/descriptor.js';
import { tfjs } from './tfjs/descriptor.js';

/**
 * Every engine, one line each, in order of preference: unasked, a cell gets the first that trains every run on
 * a GPU here, else the first that trains every run on the CPUs (choose.ts). Adding an engine is a folder with a
 * descriptor (src/train/engine.ts's EngineDescriptor) and a line here.
 */
const TABLE = [cuda, linearCpu, mlpCpu, tfjs] as const;

export type EngineName = (typeof TABLE)[number]['name'];
/** A line of the table. */
export type EngineEntry = EngineDescriptor & { name: EngineName };
export const ENGINES: readonly EngineEntry[] = TABLE;
