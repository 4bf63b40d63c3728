import { beforeAll, describe, expect, test } from 'vitest';
import type { RunOutcome } from '../../../../../src/train/engine.js';
import { mlpCpu } from '../../../../../src/train/engines/mlp-cpu/descriptor.js';
import { createMlpCpuEngine } from '../../../../../src/train/engines/mlp-cpu/engine.js';
import { MlpKernels, shareWithMlpKernels } from '../../../../../src/train/engines/mlp-cpu/kernels.js';
import { type ProductsChoice, WASM_PRODUCTS } from '../../../../../src/train/engines/mlp-cpu/products.js';
import { mlpGroup } from '../../../../../src/train/engines/mlp-cpu/train-group.js';
import { GroupCell } from '../../../../../src/train/engines/wasm-worker/group-cell.js';
import { driveEpochs } from '../../../../../src/train/epoch-driver.js';
import { pgdMethod } from '../../../../../src/train/protocol.js';
import type { RunSpec } from '../../../../../src/train/run-spec.js';
import { pixels, runSpec } from '../../fixtures/datasets.js';
import { buildNativeProducts, nativeChoices } from '../../fixtures/native-products.js';

let fastest: ProductsChoice;
beforeAll(() => {
  fastest = nativeChoices(buildNativeProducts())[0] as ProductsChoice;
}, 180_000);

describe('mlp-cpu on the native products', () => {
  test('two worker threads each load the addon and train a cell exactly as this thread does, and results name the backend', async () => {
    const data = pixels({ train: 96, validation: 40, test: 40 });
    const mode = { kind: 'adversarial', norm: 'linf', eps: 0.1, method: pgdMethod('linf', 0.1, 3) } as const;
    const runs: RunSpec[] = [2, 22].flatMap((seed) =>
      [0.05, 0.01].map((lr) => ({
        ...runSpec(data, seed, lr, mode, { maxEpochs: 3, patience: 1 }),
        runId: `s${seed}-lr${lr}`,
        model: 'mlp' as const,
        optimizer: 'sgd-momentum' as const,
      })),
    );
    const engine = createMlpCpuEngine(2, fastest);
    expect(engine.backend).toMatch(/^native-(avx512|avx2)$/);
    const outcomes: RunOutcome[] = [];
    await engine.train(runs, data, async (outcome) => {
      outcomes.push(outcome);
    });
    expect(outcomes.map((o) => o.run.runId).sort()).toEqual(runs.map((r) => r.runId).sort());
    const inThread: RunOutcome[] = [];
    const kernels = new MlpKernels(shareWithMlpKernels(data, 1, 64, fastest), 0);
    for (const seed of [2, 22]) {
      const group = runs.filter((r) => r.seed === seed);
      await driveEpochs({
        runs: group,
        open: () => new GroupCell(group, mlpGroup(group, kernels)),
        onOutcome: (outcome) => {
          inThread.push(outcome);
        },
      });
    }
    for (const outcome of outcomes) {
      if (!('trained' in outcome)) throw outcome.error;
      expect(outcome.trained.epochsRun).toBeGreaterThanOrEqual(1);
      const same = inThread.find((o) => o.run.runId === outcome.run.runId);
      expect(same && 'trained' in same && same.trained).toEqual(outcome.trained);
    }
  });

  test("the descriptor's probe names what the engine it creates trains on: the products it found, or the wasm kernels", async () => {
    const probe = await mlpCpu.probe();
    if (probe.runs !== 'cpu') throw new Error(`mlp-cpu's probe said ${probe.runs}`);
    expect(probe.where).toMatch(/^(native-(avx512|avx2)|wasm-simd)$/);
    expect((await mlpCpu.create(probe.found)).backend).toBe(probe.where);
    for (const products of [fastest, WASM_PRODUCTS]) {
      const engine = await mlpCpu.create(products);
      expect(engine.backend).toBe(products.kind === 'wasm' ? 'wasm-simd' : `native-${products.set}`);
    }
  });
});
