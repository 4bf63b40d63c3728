import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResultsApi } from '../../infra/results-api.js';
import { Storage } from '../../infra/storage.js';
import { synthesizeConstructs } from './synthesize.js';

let template: Template;
beforeAll(() => {
  ({ template } = synthesizeConstructs((stack) => {
    const storage = new Storage(stack, 'Storage', { removalPolicy: RemovalPolicy.RETAIN });
    new ResultsApi(stack, 'ResultsApi', { storage });
  }));
});

describe('the results API', () => {
  it("runs on Lambda: Node 24, the project's runtime, arm64, one function", () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
    });
  });

  it('finds the store in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          ADGAP_STORE: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^StorageBucket') }]] },
        },
      },
    });
  });

  it('is reached through a Function URL that demands IAM-signed requests', () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
  });

  it('sends no CORS headers unless an origin is configured', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { Cors: Match.absent() });
  });

  it('grants no one the right to invoke it', () => {
    template.resourceCountIs('AWS::Lambda::Permission', 0);
  });

  it('logs to a log group with a retention', () => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const group = template.findResources('AWS::Logs::LogGroup')[fn?.Properties.LoggingConfig.LogGroup.Ref];
    expect(group?.Properties.RetentionInDays).toBe(30);
  });
});
