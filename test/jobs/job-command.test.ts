import { describe, expect, it } from 'vitest';
import { jobRunArguments } from '../../src/jobs/job-command.js';

describe('jobRunArguments', () => {
  it('names one job, an array offset, or neither (Batch job definitions)', () => {
    const base = ['job', 'run', '--store', 's3://bucket', '--sweep', 'demo-1a2b3c4d'];
    expect(jobRunArguments('s3://bucket', 'demo-1a2b3c4d', { job: 7 })).toEqual([...base, '--job', '7']);
    expect(jobRunArguments('s3://bucket', 'demo-1a2b3c4d', { jobOffset: 10000 })).toEqual([
      ...base,
      '--job-offset',
      '10000',
    ]);
    expect(jobRunArguments('s3://bucket', 'demo-1a2b3c4d')).toEqual(base);
  });
});
