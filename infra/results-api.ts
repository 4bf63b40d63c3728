import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { KEY_PATTERNS } from './key-patterns.js';
import { REPO_ROOT } from './repo-root.js';
import type { Storage } from './storage.js';

export interface ResultsApiProps {
  readonly storage: Storage;
  /** A browser origin allowed to call the API; without one, no CORS headers are sent. */
  readonly corsOrigin?: string | undefined;
}

/**
 * The Hono results API (src/api, its Lambda adapter functions/api/lambda.ts) on Lambda behind a Function URL. Callers sign requests with SigV4
 * (AWS_IAM auth): the URL is never open to the internet.
 */
export class ResultsApi extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: ResultsApiProps) {
    super(scope, id);
    const { storage } = props;

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, 'functions/api/lambda.ts'),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      // Node 24 is the project's runtime (package.json engines); Lambda deprecates nodejs22.x in April 2027.
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.seconds(30),
      environment: { ADGAP_STORE: storage.storeUri },
      logGroup: new logs.LogGroup(this, 'Logs', {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      bundling: {
        // esbuild from node_modules (a devDependency) bundles at synth; docker is never needed.
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        // The SDK is bundled, not taken from the runtime, so the API runs the versions the lockfile pins. resvg (the
        // PNG rasterizer) is a native addon esbuild cannot bundle: left out, so the API serves Figure 1 as SVG and
        // answers ?format=png with a 400 that says so (docs/api.md).
        externalModules: ['@resvg/resvg-js'],
        // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });

    storage.grantReadUnder(this.function, [KEY_PATTERNS.everything]);
    storage.grantPutUnder(this.function, [KEY_PATTERNS.reportCache]);

    this.url = this.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.AWS_IAM,
      cors: props.corsOrigin
        ? {
            allowedOrigins: [props.corsOrigin],
            allowedMethods: [lambda.HttpMethod.GET],
            // A browser signs with SigV4, so these headers travel with every request.
            allowedHeaders: ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'],
            maxAge: Duration.hours(1),
          }
        : undefined,
    });
  }
}
