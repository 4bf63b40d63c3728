import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEFAULT_STACK_NAME } from '../../../src/stack-contract.js';
import { type S3TestServer, startS3TestServer } from '../s3-test-server.js';
import { BatchEmulator } from './batch-server.js';
import { CloudAssembly, type LocalIdentities } from './cloud-assembly.js';
import { type ContainerLauncher, dockerLauncher, processLauncher } from './containers.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The bucket the template's one bucket becomes locally (CloudFormation would name it Adgap-storagebucket...). */
export const LOCAL_BUCKET = 'adgap-local-bucket';
/** The local repository of the job definitions' images, tagged by asset hash (what ECR would hold). */
const LOCAL_IMAGE = 'adgap-local-aws';

export interface LocalAwsOptions {
  /** A `cdk synth` output folder (cdk.out); see synthesize(). */
  cdkOut: string;
  /** docker (what the stack deploys) or process (the image's entry point on the host, for docker-less tests). */
  launcher: 'docker' | 'process';
  /** Where to write the stack outputs file (default: in a temporary folder). */
  outputsFile?: string;
  capacityVcpus?: number;
  stopGraceSeconds?: number;
  /** Prefix of docker container names, unique per user of a shared daemon. */
  name?: string;
}

export interface LocalAws {
  s3: S3TestServer;
  batch: BatchEmulator;
  /** `s3://<bucket>`: the stack's bucket as a store. */
  storeUri: string;
  apiUrl: string;
  /** The stack outputs file, as `cdk deploy --outputs-file` would write it, with local endpoints. */
  outputsFile: string;
  /** What the adgap CLI needs to use this local AWS: endpoints, region, credentials. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** `cdk synth` of this checkout's stack into `outDir`, as .ci/run and `cdk deploy` run it. */
export async function synthesize(outDir: string): Promise<void> {
  const child = spawn('npx', ['cdk', 'synth', '--quiet', '-o', outDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const [code] = await once(child, 'close');
  if (code !== 0) throw new Error(`cdk synth failed:\n${stderr}`);
}

/**
 * The stack of a synthesized template on this machine: the S3-compatible server as its bucket, AWS Batch
 * running its job definitions' images in docker, and its function URL running the function's bundled code.
 */
export async function startLocalAws(options: LocalAwsOptions): Promise<LocalAws> {
  const name = options.name ?? 'adgap-local-aws';
  const assembly = await CloudAssembly.read(options.cdkOut, DEFAULT_STACK_NAME);
  const s3 = await startS3TestServer(LOCAL_BUCKET);
  const stoppers: (() => Promise<void>)[] = [() => s3.stop()];
  const stop = async () => {
    for (const stopper of stoppers.reverse()) await stopper();
  };
  try {
    // What a container with the job role (or the function with its role) gets: credentials and the region.
    // The local S3 endpoint stands in for S3's regional endpoint, which the SDK would otherwise find itself.
    const roleEnvironment = { ...s3.env };
    const ids: LocalIdentities = {
      region: s3.env.AWS_REGION ?? 'us-east-1',
      accountId: '000000000000',
      bucketName: LOCAL_BUCKET,
      functionUrl: '',
    };

    const [fn] = assembly.urlFunctions(ids);
    if (fn === undefined) throw new Error('the template has no function URL');
    const functionProcess = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./function-url-process.ts', import.meta.url)),
        fn.codeDirectory,
        fn.handler,
      ],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH,
          ...roleEnvironment,
          ...fn.environment,
          AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
          AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
        },
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      },
    );
    stoppers.push(async () => {
      // A child a signal killed (Ctrl-C reaches the whole process group) has a signalCode and no exitCode.
      if (functionProcess.exitCode === null && functionProcess.signalCode === null) {
        functionProcess.kill('SIGTERM');
        await once(functionProcess, 'exit');
      }
    });
    ids.functionUrl = `http://127.0.0.1:${(await firstJsonLine<{ port: number }>(functionProcess)).port}/`;

    const launcher: ContainerLauncher =
      options.launcher === 'docker' ? dockerLauncher(LOCAL_IMAGE) : processLauncher();
    const definitions = assembly.jobDefinitions(ids);
    const images = new Map<string, string>();
    for (const definition of definitions) {
      const { asset } = definition.image;
      if (asset === undefined)
        throw new Error(`${definition.logicalId}: its image is not an asset of this assembly`);
      // The GPU image needs CUDA base images and libtensorflow from the internet; only what runs here is built.
      if (definition.gpus > 0) continue;
      images.set(definition.arn, await launcher.prepareImage(asset));
    }
    const batch = new BatchEmulator({
      definitions,
      jobQueues: assembly.jobQueueArns(ids),
      launcher,
      imageFor: (definition) => {
        const image = images.get(definition.arn);
        return image === undefined
          ? {
              cannotRun: `the local AWS builds no image for job definition ${definition.logicalId}, which needs a GPU; submit to the CPU queue (--queue cpu)`,
            }
          : { image };
      },
      roleEnvironment,
      region: ids.region,
      accountId: ids.accountId,
      capacityVcpus: options.capacityVcpus ?? cpus().length,
      stopGraceSeconds: options.stopGraceSeconds ?? 30,
      namePrefix: name,
    });
    const batchEndpoint = await batch.start();
    stoppers.push(() => batch.stop());

    let outputsFile = options.outputsFile;
    if (outputsFile === undefined) {
      const folder = await mkdtemp(join(tmpdir(), `${name}-`));
      stoppers.push(() => rm(folder, { recursive: true, force: true }));
      outputsFile = join(folder, 'cdk-outputs.json');
    }
    await writeFile(outputsFile, `${JSON.stringify(assembly.outputsFile(ids), null, 2)}\n`);

    return {
      s3,
      batch,
      storeUri: `s3://${LOCAL_BUCKET}`,
      apiUrl: ids.functionUrl,
      outputsFile,
      env: { ...s3.env, ADGAP_BATCH_ENDPOINT: batchEndpoint },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function firstJsonLine<T>(child: ChildProcess): Promise<T> {
  if (!child.stdout) throw new Error('child has no stdout');
  const lines = createInterface({ input: child.stdout });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`the function process exited with code ${code} before listening`);
  });
  return Promise.race([once(lines, 'line').then(([line]) => JSON.parse(String(line)) as T), exited]);
}

/**
 * The same synthesis in this process, for tests: the app of infra/app.ts with `outdir`, bundling the API with
 * esbuild as `cdk synth` does, without starting the CDK CLI.
 */
export async function synthesizeInProcess(outDir: string): Promise<void> {
  const { App } = await import('aws-cdk-lib');
  const { createAdgapStack } = await import('../../../infra/stack.js');
  const app = new App({ outdir: outDir });
  createAdgapStack(app);
  app.synth();
}
