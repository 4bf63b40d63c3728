import { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * Deployment facts from environment variables, read here and nowhere else (house style: configuration comes
 * from sweep files and arguments; the environment only says where things are).
 */
const deploymentEnvSchema = z.object({
  /** The store the results API serves: `s3://bucket/prefix` in the cloud, a folder path locally. */
  ADGAP_STORE: z.string({ error: 'is not set (the store URI the API reads, e.g. s3://bucket)' }).min(1, {
    error: 'is empty (the store URI the API reads, e.g. s3://bucket)',
  }),
});

export interface DeploymentEnv {
  storeUri: string;
}

export function deploymentEnv(env: NodeJS.ProcessEnv = process.env): DeploymentEnv {
  const parsed = deploymentEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(String(issue?.path[0] ?? 'environment'), issue?.message ?? 'invalid');
  }
  return { storeUri: parsed.data.ADGAP_STORE };
}
