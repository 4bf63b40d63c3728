import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LEASES_PREFIX } from '../src/store/layout.js';

export interface StorageProps {
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The one bucket holding datasets, sweeps, results and report caches (layout: src/store/layout.ts).
 * Versioning is off: results are write-once and a sweep writes thousands of small objects, so versions would
 * only keep stale report caches. SSE-S3 rather than KMS: no key to pay for and no KMS grant on every role.
 */
export class Storage extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: false,
      lifecycleRules: [
        // A job killed mid-upload (Spot reclaim) leaves parts that are billed until aborted.
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(2) },
        // Job leases last minutes; the job role cannot delete the generations it renews past.
        { id: 'expire-job-leases', prefix: LEASES_PREFIX, expiration: Duration.days(1) },
      ],
      removalPolicy: props.removalPolicy,
    });
  }

  /** The store URI adgap uses for this bucket (`--store`). */
  get storeUri(): string {
    return `s3://${this.bucket.bucketName}`;
  }

  /**
   * Lets `grantee` read objects under the key patterns and list the bucket. Listing is not narrowed by prefix:
   * without an unconditional s3:ListBucket, S3 answers a read of a missing key with 403 instead of 404, and the
   * store could not tell "no result yet" from "forbidden".
   */
  grantReadUnder(grantee: iam.IGrantable, keyPatterns: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: keyPatterns.map((pattern) => this.bucket.arnForObjects(pattern)),
      }),
    );
  }

  /**
   * Lets `grantee` create and overwrite objects under the key patterns; never delete. AbortMultipartUpload only
   * discards the parts of an upload that has not completed: the S3 store's multipart upload (lib-storage) aborts
   * when a part fails, and if the abort were denied its AccessDenied would replace the real error.
   */
  grantPutUnder(grantee: iam.IGrantable, keyPatterns: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: keyPatterns.map((pattern) => this.bucket.arnForObjects(pattern)),
      }),
    );
  }
}
