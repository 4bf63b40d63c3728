import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Network } from '../../infra/network.js';
import { synthesizeConstructs } from './synthesize.js';

let template: Template;
beforeAll(() => {
  ({ template } = synthesizeConstructs((stack) => new Network(stack, 'Network')));
});

describe('the network', () => {
  it('has no NAT gateway', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  it('has only public subnets, which give instances public IPs', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
    expect(subnets.length).toBeGreaterThan(0);
    for (const subnet of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(true);
  });

  it('reaches S3 through a gateway endpoint', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['.s3'])] }),
    });
  });

  it('lets nothing in to the instances', () => {
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    for (const group of Object.values(template.findResources('AWS::EC2::SecurityGroup'))) {
      expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    }
  });
});
