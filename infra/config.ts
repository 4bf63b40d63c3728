import { InstanceClass } from 'aws-cdk-lib/aws-ec2';
import { z } from 'zod';
import { ValidationError } from '../src/errors.js';

/**
 * Graviton families (c7g, t4g, g5g, im4gn, a1, ...) cannot run the trainer image, which is built for x86_64
 * (the GPU base image and libtensorflow are x86_64 only); they would fail at container start, not at deploy.
 */
const GRAVITON = /^(a1|[a-z]+\d+[a-z]*g[a-z]*)(\.|$)/;

const FAMILIES = new Set<string>(Object.values(InstanceClass));

/** An instance family (`g5`, Batch picks the sizes) rather than one size (`g5.xlarge`). */
export function isInstanceFamily(type: string): type is InstanceClass {
  return FAMILIES.has(type);
}

/** A comma-separated list on the command line (`-c gpuInstanceTypes=g5,g6`), an array in cdk.json. */
const instanceTypes = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((type) => type.trim()) : value),
  z
    .array(
      z
        .string()
        .refine((type) => /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(type) || isInstanceFamily(type), {
          error: 'expected instance types or families like g5.xlarge or g5',
        })
        .refine((type) => !GRAVITON.test(type), {
          error: 'Graviton (arm64) instances cannot run the x86_64 trainer',
        }),
    )
    .min(1),
);

/** Context values arrive as strings from `-c key=value` and as JSON values from cdk.json. */
const positiveInt = z.coerce.number().int().positive();

/**
 * The deployment choices a user makes with `-c key=value` or in cdk.json. Defaults: single-GPU g4dn/g5 (the
 * cheapest CUDA 11.8-capable GPUs; Batch picks sizes), compute-optimised x86 families for CPU runs.
 */
const configSchema = z.object({
  gpuInstanceTypes: instanceTypes.default(['g4dn', 'g5']),
  gpuMaxvCpus: positiveInt.default(64),
  cpuInstanceTypes: instanceTypes.default(['c6i', 'c7i', 'm6i']),
  cpuMaxvCpus: positiveInt.default(256),
  /** A browser origin allowed to call the results API (CORS); none by default. */
  apiCorsOrigin: z
    .url({ protocol: /^https?$/ })
    .refine((url) => new URL(url).origin === url, {
      error: 'expected an origin like https://example.org (no path)',
    })
    .optional(),
  /** `destroy` lets `cdk destroy` remove the bucket (only when empty); results outlive the stack by default. */
  bucketRemovalPolicy: z.enum(['retain', 'destroy']).default('retain'),
});

export type InfraConfig = z.output<typeof configSchema>;
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof InfraConfig)[];

/** Validates the context; `tryGetContext` is the app's, so tests can pass plain objects. */
export function readConfig(tryGetContext: (key: string) => unknown): InfraConfig {
  const raw = Object.fromEntries(CONFIG_KEYS.map((key) => [key, tryGetContext(key)]));
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`context ${issue?.path.join('.') ?? ''}`, issue?.message ?? 'invalid');
  }
  return parsed.data;
}
