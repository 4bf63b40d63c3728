/** The probe lives beside the Engine interface, so planning can ask it without loading an engine. */
export { gpuBackendLoads } from '../../engine-support.js';
