/**
 * Why tfjs-node-gpu (the `tensorflow` backend) does not load here, or undefined when it loads; loading it
 * registers the backend. Here, without tfjs, so choosing an engine or planning where a sweep can train
 * (`adgap paper`) loads no engine.
 */
export function gpuBackendProblem(): Promise<string | undefined> {
  // A computed specifier keeps bundlers and the type checker from requiring the optional package.
  const gpuPackage = '@tensorflow/tfjs-node-gpu';
  return import(gpuPackage).then(
    () => undefined,
    (error: { code?: string; message?: string }) => {
      const message = String(error.message ?? error);
      if (error.code === 'ERR_MODULE_NOT_FOUND' && message.includes(`'${gpuPackage}'`))
        return `${gpuPackage} is not installed`;
      return `${gpuPackage} does not load: ${message.split('\n')[0]?.trim()}`;
    },
  );
}

/** Whether tfjs-node-gpu loads here (gpuBackendProblem). */
export async function gpuBackendLoads(): Promise<boolean> {
  return (await gpuBackendProblem()) === undefined;
}
