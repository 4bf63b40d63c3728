import { describe, expect, it } from 'vitest';
import type { LoadedDataset, Split } from '../../src/datasets/types.js';
import type { Engine, RunOutcome, TrainedRun } from '../../src/train/engine.js';
import { createLinearCpuEngine } from '../../src/train/engines/linear-cpu/engine.js';
import { createMlpCpuEngine } from '../../src/train/engines/mlp-cpu/engine.js';
import { createTfjsEngine } from '../../src/train/engines/tfjs/engine.js';
import type { LinearWeights } from '../../src/train/init.js';
import { linearLayers, mlpLayers, parameterCount } from '../../src/train/kept-weights.js';
import type { BinaryClassifier } from '../../src/train/robustness/classifier.js';
import { classifiedAs } from '../../src/train/robustness/classifier.js';
import { linearClassifier } from '../../src/train/robustness/linear-classifier.js';
import { mlpClassifier } from '../../src/train/robustness/mlp-classifier.js';
import type { ModelName, RunSpec } from '../../src/train/run-spec.js';
import { gaussian, runSpec } from './engines/fixtures/datasets.js';

/** Per-class correct counts of `split` under `model`, argmax with ties to class 0 as every engine counts. */
function correctCounts(model: BinaryClassifier, split: Split): [number, number] {
  const d = model.featureCount;
  const logits = new Float32Array(split.count * 2);
  model.logitsAndGradients(split.x, split.y, logits, new Float32Array(split.count * d));
  const correct: [number, number] = [0, 0];
  for (let i = 0; i < split.count; i++) {
    const y = split.y[i] as 0 | 1;
    if (classifiedAs((logits[i * 2 + 1] as number) - (logits[i * 2] as number), y)) correct[y] += 1;
  }
  return correct;
}

async function trainOne(engine: Engine, run: RunSpec, data: LoadedDataset): Promise<TrainedRun> {
  const outcomes: RunOutcome[] = [];
  await engine.train([run], data, async (o) => {
    outcomes.push(o);
  });
  const [outcome] = outcomes;
  if (!outcome || 'error' in outcome) throw new Error(`no result: ${JSON.stringify(outcome)}`);
  return outcome.trained;
}

const SIZES = { train: 96, validation: 64, test: 64 };

/** A run of `model` that stops early on its best epoch, not its last, so the kept weights must be the best's. */
const spec = (data: LoadedDataset, model: ModelName): RunSpec => ({
  ...runSpec(data, 2, model === 'mlp' ? 1 : 5, { kind: 'standard' }, { maxEpochs: 12, patience: 3 }),
  model,
  optimizer: 'sgd',
});

function expectWeightsOfTheReportedModel(trained: TrainedRun, run: RunSpec, data: LoadedDataset): void {
  // Stopped after its best epoch: weights of the last epoch would not give the reported counts.
  expect(trained.bestEpoch).toBeLessThan(trained.epochsRun);
  const d = data.featureShape.reduce((a, b) => a * b, 1);
  const weights = trained.weights;
  expect(weights?.widths).toEqual(run.model === 'mlp' ? [d, 200, 2] : [d, 2]);
  expect(weights?.values.length).toBe(parameterCount(weights?.widths ?? []));
  const model =
    run.model === 'mlp'
      ? mlpClassifier(mlpLayers(weights as NonNullable<typeof weights>))
      : linearClassifier(linearLayers(weights as NonNullable<typeof weights>)[0] as LinearWeights);
  // The clean counts the weights give are the result's own: they are the selected checkpoint's weights.
  expect(correctCounts(model, data.splits.testBalanced)).toEqual(trained.metrics.testBalanced.correct);
  expect(correctCounts(model, data.splits.testImbalanced)).toEqual(trained.metrics.testImbalanced.correct);
}

// The cuda engine's host build is checked end to end in test/cli/evaluate.test.ts (integration: it compiles).
describe("each engine keeps the weights of a run's selected checkpoint", () => {
  const data = gaussian(SIZES, 3);
  const engines: [string, ModelName, () => Promise<Engine>][] = [
    ['linear-cpu', 'linear', async () => createLinearCpuEngine(1)],
    ['tfjs', 'linear', () => createTfjsEngine('cpu')],
    ['mlp-cpu', 'mlp', async () => createMlpCpuEngine(1)],
    ['tfjs', 'mlp', () => createTfjsEngine('cpu')],
  ];
  it.each(engines)(
    '%s, %s: the weights give the clean counts of its metrics',
    async (_name, model, create) => {
      const run = spec(data, model);
      const trained = await trainOne(await create(), run, data);
      expect(trained.bestEpoch).toBeLessThan(trained.epochsRun);
      expectWeightsOfTheReportedModel(trained, run, data);
    },
    120_000,
  );
});
