/**
 * Whether tfjs-node-gpu (the `tensorflow` backend) loads here; loading it registers the backend. Its own
 * module, without tfjs, so choosing an engine does not load tfjs when the engine will not use it.
 */
export function gpuBackendLoads(): Promise<boolean> {
  // A computed specifier keeps bundlers and the type checker from requiring the optional package.
  const gpuPackage = '@tensorflow/tfjs-node-gpu';
  return import(gpuPackage).then(
    () => true,
    () => false,
  );
}
