import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createAdgapStack } from '../../infra/stack.js';

export interface Synthesized {
  readonly template: Template;
  /** The stack's asset manifest: what `cdk deploy` would build and upload. */
  readonly assets: {
    dockerImages: Record<
      string,
      { source: { directory: string; dockerFile: string; dockerBuildTarget: string; platform: string } }
    >;
  };
}

/**
 * The whole stack as `cdk synth` builds it, with `context` as if given by `-c key=value`: for what only the
 * stack decides (its outputs, the config it reads, its IAM as a whole). The API bundle is not built (it takes
 * seconds and the template does not depend on it); cdk-synth.test.ts builds it for real.
 */
export function synthesize(context: Record<string, string> = {}): Synthesized {
  const app = testApp(context);
  return synthesized(app, createAdgapStack(app));
}

/**
 * Constructs on a small stack of their own, as aws-cdk-lib tests its constructs: a test synthesizes only the
 * construct it looks at (and what that construct needs), so a failure points at it. Give each construct the id
 * the stack gives it, so logical ids match the deployed ones.
 */
export function synthesizeConstructs(build: (stack: Stack) => void): Synthesized {
  const app = testApp({});
  const stack = new Stack(app, 'Test');
  build(stack);
  return synthesized(app, stack);
}

const testApp = (context: Record<string, string>) =>
  new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });

function synthesized(app: App, stack: Stack): Synthesized {
  const template = Template.fromStack(stack);
  const assembly = app.synth();
  const assets = JSON.parse(
    readFileSync(join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8'),
  );
  return { template, assets };
}

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Identity-policy statements attached to the role whose logical id starts with `rolePrefix`. */
export function statementsOfRole(template: Template, rolePrefix: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => {
    const roles = policy.Properties.Roles as { Ref: string }[];
    return roles.some((role) => role.Ref.startsWith(rolePrefix))
      ? policy.Properties.PolicyDocument.Statement
      : [];
  });
}

/** Every identity-policy statement in the template: separate policies and roles' inline policies. */
export function allIdentityStatements(template: Template): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).map(
    (policy) => policy.Properties.PolicyDocument,
  );
  const inline = Object.values(template.findResources('AWS::IAM::Role')).flatMap((role) =>
    (role.Properties.Policies ?? []).map((policy: { PolicyDocument: unknown }) => policy.PolicyDocument),
  );
  return [...policies, ...inline].flatMap((document) => document.Statement);
}

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
