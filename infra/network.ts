import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/**
 * The VPC Batch instances run in, with no NAT gateway (about $33 a month each, plus $0.045 per GB).
 * Instances sit in public subnets with public IPv4 addresses ($0.005 an hour each, noise next to a GPU) behind
 * a security group that admits nothing inbound; they reach ECR, ECS and CloudWatch Logs over the internet
 * gateway, and S3 through a gateway endpoint, which is free and keeps dataset and result traffic inside AWS.
 * Private subnets alone would need a NAT gateway or an interface endpoint per service and AZ (~$7 a month each).
 * The stack is environment-agnostic (synth needs no credentials), so the VPC spans the two AZs such a stack
 * can name.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly instanceSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PUBLIC };
  readonly instanceSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20 }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    this.instanceSecurityGroup = new ec2.SecurityGroup(this, 'Instances', {
      vpc: this.vpc,
      description: 'adgap Batch instances: outbound only',
      allowAllOutbound: true,
    });
  }
}
