import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What the local AWS reads from `cdk synth`'s output (the cloud assembly): the stack's CloudFormation template
 * and its asset manifest, with CloudFormation's intrinsic functions resolved against local identities
 * (a local bucket, local endpoints), so that the job definitions, the function and the outputs are the ones
 * `cdk deploy` would create.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
}

interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: Json }>;
}

interface AssetManifest {
  files?: Record<string, { source: { path: string; packaging?: string } }>;
  dockerImages?: Record<
    string,
    { source: { directory: string; dockerFile?: string; dockerBuildTarget?: string; platform?: string } }
  >;
}

/** The local stand-ins for what CloudFormation would create. */
export interface LocalIdentities {
  region: string;
  accountId: string;
  bucketName: string;
  /** The function URL's local address (http://127.0.0.1:<port>/), once the function is served. */
  functionUrl: string;
}

export interface RetryRule {
  action: 'RETRY' | 'EXIT';
  onStatusReason?: string;
  onReason?: string;
  onExitCode?: string;
}

/** A job definition as Batch holds it after `cdk deploy`: every value resolved, the image as its asset. */
export interface JobDefinition {
  arn: string;
  logicalId: string;
  image: { uri: string; asset: DockerAsset | undefined };
  command: string[];
  environment: Record<string, string>;
  parameters: Record<string, string>;
  jobRoleArn: string | undefined;
  retryStrategy: { attempts: number; evaluateOnExit: RetryRule[] };
  timeoutSeconds: number | undefined;
  vcpus: number;
  memoryMiB: number;
  gpus: number;
  initProcessEnabled: boolean;
}

/** A container image asset: what `cdk deploy` would build and push to ECR. */
export interface DockerAsset {
  hash: string;
  directory: string;
  dockerFile: string;
  target: string | undefined;
}

/** The Lambda function behind a function URL, as the template deploys it. */
export interface FunctionDefinition {
  logicalId: string;
  handler: string;
  runtime: string;
  environment: Record<string, string>;
  /** The unpacked code asset (cdk.out/asset.<hash>). */
  codeDirectory: string;
  timeoutSeconds: number;
}

export class CloudAssembly {
  private constructor(
    readonly directory: string,
    readonly stackName: string,
    private readonly template: Template,
    private readonly assets: AssetManifest,
  ) {}

  static async read(directory: string, stackName: string): Promise<CloudAssembly> {
    const json = async <T>(file: string) => JSON.parse(await readFile(join(directory, file), 'utf8')) as T;
    return new CloudAssembly(
      directory,
      stackName,
      await json<Template>(`${stackName}.template.json`),
      await json<AssetManifest>(`${stackName}.assets.json`),
    );
  }

  private ofType(type: string): [string, Resource][] {
    return Object.entries(this.template.Resources).filter(([, r]) => r.Type === type);
  }

  jobQueueArns(ids: LocalIdentities): string[] {
    return this.ofType('AWS::Batch::JobQueue').map(([id]) => this.arnOf(id, ids));
  }

  jobDefinitions(ids: LocalIdentities): JobDefinition[] {
    return this.ofType('AWS::Batch::JobDefinition').map(([logicalId, resource]) => {
      const p = (this.resolve(resource.Properties ?? {}, ids) ?? {}) as Record<string, Json>;
      const container = (p.ContainerProperties ?? {}) as Record<string, Json>;
      const requirements = (container.ResourceRequirements ?? []) as { Type: string; Value: string }[];
      const requirement = (type: string) => Number(requirements.find((r) => r.Type === type)?.Value ?? 0);
      const retry = (p.RetryStrategy ?? {}) as {
        Attempts?: number;
        EvaluateOnExit?: Record<string, string>[];
      };
      const image = String(container.Image);
      const hash = /:([0-9a-f]{64})$/.exec(image)?.[1];
      const asset = hash === undefined ? undefined : this.assets.dockerImages?.[hash];
      return {
        arn: this.arnOf(logicalId, ids),
        logicalId,
        image: {
          uri: image,
          asset:
            asset === undefined || hash === undefined
              ? undefined
              : {
                  hash,
                  directory: join(this.directory, asset.source.directory),
                  dockerFile: asset.source.dockerFile ?? 'Dockerfile',
                  target: asset.source.dockerBuildTarget,
                },
        },
        command: (container.Command ?? []) as string[],
        environment: Object.fromEntries(
          ((container.Environment ?? []) as { Name: string; Value: string }[]).map((e) => [e.Name, e.Value]),
        ),
        parameters: (p.Parameters ?? {}) as Record<string, string>,
        jobRoleArn: container.JobRoleArn === undefined ? undefined : String(container.JobRoleArn),
        retryStrategy: {
          attempts: retry.Attempts ?? 1,
          evaluateOnExit: (retry.EvaluateOnExit ?? []).map((rule) => ({
            action: String(rule.Action).toUpperCase() as RetryRule['action'],
            ...(rule.OnStatusReason === undefined ? {} : { onStatusReason: rule.OnStatusReason }),
            ...(rule.OnReason === undefined ? {} : { onReason: rule.OnReason }),
            ...(rule.OnExitCode === undefined ? {} : { onExitCode: rule.OnExitCode }),
          })),
        },
        timeoutSeconds: (p.Timeout as { AttemptDurationSeconds?: number } | undefined)
          ?.AttemptDurationSeconds,
        vcpus: requirement('VCPU'),
        memoryMiB: requirement('MEMORY'),
        gpus: requirement('GPU'),
        initProcessEnabled:
          (container.LinuxParameters as { InitProcessEnabled?: boolean } | undefined)?.InitProcessEnabled ===
          true,
      };
    });
  }

  /** The function each function URL invokes. */
  urlFunctions(ids: LocalIdentities): FunctionDefinition[] {
    return this.ofType('AWS::Lambda::Url').map(([, url]) => {
      const target = url.Properties?.TargetFunctionArn as { 'Fn::GetAtt'?: [string, string] };
      const logicalId = target['Fn::GetAtt']?.[0];
      const resource = logicalId === undefined ? undefined : this.template.Resources[logicalId];
      if (logicalId === undefined || resource?.Type !== 'AWS::Lambda::Function') {
        throw new Error('a function URL whose target is not a function of this template');
      }
      const p = this.resolve(resource.Properties ?? {}, ids) as Record<string, Json>;
      const key = String((p.Code as { S3Key?: string }).S3Key);
      const file = this.assets.files?.[key.replace(/\.zip$/, '')];
      if (file === undefined) throw new Error(`function ${logicalId}: no asset for code ${key}`);
      return {
        logicalId,
        handler: String(p.Handler),
        runtime: String(p.Runtime),
        environment: ((p.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ??
          {}) as Record<string, string>,
        codeDirectory: join(this.directory, file.source.path),
        timeoutSeconds: Number(p.Timeout ?? 3),
      };
    });
  }

  /** The stack outputs as `cdk deploy --outputs-file` writes them: { <stack>: { <output>: <value> } }. */
  outputsFile(ids: LocalIdentities): Record<string, Record<string, string>> {
    const outputs = Object.entries(this.template.Outputs ?? {}).map(([key, output]) => [
      key,
      String(this.resolve(output.Value, ids)),
    ]);
    return { [this.stackName]: Object.fromEntries(outputs) };
  }

  /** What `Ref` returns for a resource, as CloudFormation documents it per type. */
  private refOf(logicalId: string, ids: LocalIdentities): string {
    const type = this.template.Resources[logicalId]?.Type;
    if (type === 'AWS::S3::Bucket') return ids.bucketName;
    if (type === 'AWS::Batch::JobDefinition' || type === 'AWS::Batch::JobQueue')
      return this.arnOf(logicalId, ids);
    return logicalId;
  }

  private arnOf(logicalId: string, ids: LocalIdentities): string {
    const type = this.template.Resources[logicalId]?.Type ?? '';
    const at = `${ids.region}:${ids.accountId}`;
    switch (type) {
      case 'AWS::Batch::JobDefinition':
        return `arn:aws:batch:${at}:job-definition/${logicalId}:1`;
      case 'AWS::Batch::JobQueue':
        return `arn:aws:batch:${at}:job-queue/${logicalId}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${ids.accountId}:role/${logicalId}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${at}:function:${logicalId}`;
      default:
        return `arn:aws:${type.split('::')[1]?.toLowerCase() ?? 'unknown'}:${at}:${logicalId}`;
    }
  }

  private getAtt(logicalId: string, attribute: string, ids: LocalIdentities): string {
    const type = this.template.Resources[logicalId]?.Type;
    if (type === 'AWS::Lambda::Url' && attribute === 'FunctionUrl') return ids.functionUrl;
    if (type === 'AWS::S3::Bucket' && attribute === 'Arn') return `arn:aws:s3:::${ids.bucketName}`;
    if (attribute === 'Arn' || attribute.endsWith('Arn')) return this.arnOf(logicalId, ids);
    throw new Error(`the local AWS cannot resolve Fn::GetAtt ${logicalId}.${attribute}`);
  }

  private pseudo(name: string, ids: LocalIdentities): string | undefined {
    return {
      'AWS::Region': ids.region,
      'AWS::AccountId': ids.accountId,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': this.stackName,
    }[name];
  }

  /** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select and Fn::Split, as CloudFormation would. */
  resolve(value: Json, ids: LocalIdentities): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, ids));
    if (value === null || typeof value !== 'object') return value;
    const [key] = Object.keys(value);
    const arg = key === undefined ? undefined : value[key];
    if (Object.keys(value).length === 1 && key !== undefined && arg !== undefined) {
      if (key === 'Ref') {
        const name = String(arg);
        return this.pseudo(name, ids) ?? this.refOf(name, ids);
      }
      if (key === 'Fn::GetAtt') {
        const [id, attribute] = (Array.isArray(arg) ? arg : String(arg).split('.')) as string[];
        return this.getAtt(String(id), String(attribute), ids);
      }
      if (key === 'Fn::Join') {
        const [separator, parts] = arg as [string, Json[]];
        return (this.resolve(parts, ids) as Json[]).map(String).join(separator);
      }
      if (key === 'Fn::Select') {
        const [index, list] = arg as [number, Json];
        return (this.resolve(list, ids) as Json[])[Number(index)] ?? null;
      }
      if (key === 'Fn::Split') {
        const [separator, text] = arg as [string, Json];
        return String(this.resolve(text, ids)).split(separator);
      }
      if (key === 'Fn::Sub') {
        return String(arg).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          const [id, attribute] = name.split('.');
          if (attribute !== undefined) return this.getAtt(String(id), attribute, ids);
          return this.pseudo(name, ids) ?? this.refOf(name, ids);
        });
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v, ids)]));
  }
}
