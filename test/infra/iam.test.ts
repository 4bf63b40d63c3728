import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  actionsOf,
  allIdentityStatements,
  type Statement,
  statementsOfRole,
  synthesize,
} from './synthesize.js';

let template: Template;
beforeAll(() => {
  ({ template } = synthesize());
});

/** Key patterns (after the bucket ARN) a role may call `action` on. */
function keysAllowed(statements: Statement[], action: string): string[] {
  return statements
    .filter((statement) => statement.Effect === 'Allow' && actionsOf(statement).includes(action))
    .flatMap((statement) => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]))
    .map((resource) => {
      const parts = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1];
      return typeof parts?.[1] === 'string' ? parts[1] : JSON.stringify(resource);
    });
}

const DELETES = /^s3:(Delete|PutLifecycle|PutBucket)/;

describe('IAM', () => {
  it('grants no wildcard action in any statement the stack writes', () => {
    const allows = allIdentityStatements(template).filter((statement) => statement.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(0);
    for (const statement of allows) {
      for (const action of actionsOf(statement)) expect(action).not.toContain('*');
    }
  });

  it('grants on every resource only actions that have no resource-level permissions', () => {
    const onEverything = allIdentityStatements(template).filter(
      (statement) => statement.Effect === 'Allow' && JSON.stringify(statement.Resource) === '"*"',
    );
    expect(new Set(onEverything.flatMap(actionsOf))).toEqual(new Set(['ecr:GetAuthorizationToken']));
  });

  it('attaches only the AWS managed policies the ECS agent and Lambda logging need', () => {
    const attached = Object.entries(template.findResources('AWS::IAM::Role')).flatMap(([id, role]) =>
      (role.Properties.ManagedPolicyArns ?? []).map(
        (arn: unknown) =>
          `${id.replace(/[0-9A-F]{8}$/, '')} ${JSON.stringify(arn).match(/policy\/([\w/-]+)/)?.[1]}`,
      ),
    );
    expect(attached.sort()).toEqual([
      'ComputeCpuSpotInstanceProfileRole service-role/AmazonEC2ContainerServiceforEC2Role',
      'ComputeGpuOnDemandInstanceProfileRole service-role/AmazonEC2ContainerServiceforEC2Role',
      'ComputeGpuSpotInstanceProfileRole service-role/AmazonEC2ContainerServiceforEC2Role',
      'ResultsApiFunctionServiceRole service-role/AWSLambdaBasicExecutionRole',
    ]);
  });

  it('lets trainer jobs read datasets, sweeps and job leases', () => {
    const job = statementsOfRole(template, 'TrainerJobsJobRole');
    expect(keysAllowed(job, 's3:GetObject').sort()).toEqual(['/datasets/*/*', '/leases/*', '/sweeps/*']);
  });

  it('lets trainer jobs write only results, kept weights, evaluations, failures and job leases, never datasets (sweep run prepares those)', () => {
    const job = statementsOfRole(template, 'TrainerJobsJobRole');
    for (const action of ['s3:PutObject', 's3:AbortMultipartUpload']) {
      expect(keysAllowed(job, action).sort()).toEqual([
        '/leases/*',
        '/sweeps/*/evaluations/*',
        '/sweeps/*/failures/*',
        '/sweeps/*/results/*',
        '/sweeps/*/weights/*',
      ]);
    }
  });

  it('never lets trainer jobs delete', () => {
    const actions = statementsOfRole(template, 'TrainerJobsJobRole').flatMap(actionsOf);
    expect(actions.filter((action) => DELETES.test(action))).toEqual([]);
    expect(actions.sort()).toEqual([
      's3:AbortMultipartUpload',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
  });

  it('lets the API write only its report cache, never results or datasets, and never delete', () => {
    const api = statementsOfRole(template, 'ResultsApiFunctionServiceRole');
    expect(keysAllowed(api, 's3:PutObject')).toEqual(['/sweeps/*/report-cache/*']);
    expect(keysAllowed(api, 's3:AbortMultipartUpload')).toEqual(['/sweeps/*/report-cache/*']);
    expect(api.flatMap(actionsOf).sort()).toEqual([
      's3:AbortMultipartUpload',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
  });
});
