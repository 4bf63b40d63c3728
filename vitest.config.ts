import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Slow end-to-end checks: the CLI started as a user starts it (processes, a sweep end to end, a browser), a
 * real S3 sweep through the CLI, `cdk synth`, the GPU bundle's dry run and the cuda host build, peers in Python, docker and the local AWS. `npm run
 * test:integration` runs them and `.ci/run` runs both projects; `npm test` keeps the rest, fast.
 */
const INTEGRATION = [
  // All of test/cli/ but the unit tests of src/cli/ modules that start no CLI.
  'test/cli/!(lease-owner|flag-advice).test.ts',
  'test/api/cli-parity.test.ts',
  'test/store/sweep-on-s3.test.ts',
  'test/infra/cdk-synth.test.ts',
  'test/bench/**/*.test.ts',
  'test/runners/docker.test.ts',
  'test/local-aws/**/*.test.ts',
  'test/containers/**/*.test.ts',
  // The cuda kernels' host build (nvcc, then 40 s of tfjs to compare against), a PyTorch peer started as a
  // process, and 112 runs trained at the synthetic parameters' corners: each a whole pipeline, not a unit.
  'test/train/engines/cuda/cell.test.ts',
  'test/train/robustness/apgd-peer.test.ts',
  'test/application/synthetic-bounds.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...INTEGRATION],
        },
      },
      {
        extends: true,
        test: { name: 'integration', include: INTEGRATION },
      },
    ],
  },
});
