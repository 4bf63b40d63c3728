import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../errors.js';
import { DEFAULT_STACK_NAME, STACK_OUTPUT_KEYS, type StackOutputs } from '../stack-contract.js';

export const DEFAULT_OUTPUTS_FILE = 'cdk-outputs.json';

const arn = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:`), {
    error: `expected an ARN starting arn:aws:${service}:`,
  });

const outputSchemas: Record<keyof StackOutputs, z.ZodType<string>> = {
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'expected an AWS region' }),
  bucketName: z.string().min(3),
  gpuJobQueueName: z.string().min(1),
  gpuJobQueueArn: arn('batch'),
  cpuJobQueueName: z.string().min(1),
  cpuJobQueueArn: arn('batch'),
  gpuJobDefinitionArn: arn('batch'),
  cpuJobDefinitionArn: arn('batch'),
  // A function URL is https; the local AWS (test/local-aws.ts) serves the same function on http://127.0.0.1.
  apiUrl: z
    .url({ protocol: /^https?$/, error: 'expected an https URL' })
    .refine((url) => url.startsWith('https://') || /^http:\/\/127\.0\.0\.1[:/]/.test(url), {
      error: 'expected an https URL',
    }),
};

/**
 * Picks the adgap stack out of the JSON `cdk deploy --outputs-file` writes ({ stackName: { OutputKey: value } }).
 * `source` names the file in error messages.
 */
export function parseStackOutputs(json: unknown, stackName: string, source: string): StackOutputs {
  const stacks = z.record(z.string(), z.record(z.string(), z.unknown())).safeParse(json);
  if (!stacks.success) {
    throw new ValidationError(
      source,
      'is not a CDK outputs file (expected { "<stack>": { "<output>": "<value>" } })',
    );
  }
  const outputs = stacks.data[stackName];
  if (outputs === undefined) {
    const found = Object.keys(stacks.data).join(', ') || 'none';
    throw new NotFoundError(`${source} has no outputs for stack ${stackName} (stacks found: ${found})`);
  }

  const names = Object.keys(STACK_OUTPUT_KEYS) as (keyof StackOutputs)[];
  const missing = names.map((name) => STACK_OUTPUT_KEYS[name]).filter((key) => outputs[key] === undefined);
  if (missing.length > 0) {
    throw new ValidationError(
      source,
      `stack ${stackName} lacks the outputs ${missing.join(', ')}; redeploy with \`npx cdk deploy --outputs-file ${source}\``,
    );
  }

  const parsed: Partial<Record<keyof StackOutputs, string>> = {};
  for (const name of names) {
    const key = STACK_OUTPUT_KEYS[name];
    const value = outputSchemas[name].safeParse(outputs[key]);
    if (!value.success) {
      throw new ValidationError(
        `${source}: ${stackName}.${key}`,
        value.error.issues[0]?.message ?? 'invalid',
      );
    }
    parsed[name] = value.data;
  }
  return parsed as StackOutputs;
}

/** Reads the outputs file `npx cdk deploy --outputs-file <file>` wrote, so no one copies ARNs by hand. */
export async function readStackOutputs(
  file: string = DEFAULT_OUTPUTS_FILE,
  stackName: string = DEFAULT_STACK_NAME,
): Promise<StackOutputs> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError(
        `${file} not found: deploy with \`npx cdk deploy --outputs-file ${file}\` first`,
      );
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError(file, 'is not valid JSON; rewrite it with `npx cdk deploy --outputs-file`');
  }
  return parseStackOutputs(json, stackName, file);
}
