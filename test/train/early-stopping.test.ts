import { describe, expect, it } from 'vitest';
import {
  type EarlyStoppingState,
  initialEarlyStopping,
  observeEpoch,
} from '../../src/train/early-stopping.js';

function replay(losses: number[], patience: number): { state: EarlyStoppingState; stoppedAt?: number } {
  let state = initialEarlyStopping;
  for (const [i, loss] of losses.entries()) {
    const observed = observeEpoch(state, i + 1, loss, patience);
    state = observed.state;
    if (observed.stop) return { state, stoppedAt: i + 1 };
  }
  return { state };
}

describe('early stopping on validation loss', () => {
  it('keeps the epoch of the lowest loss and stops after `patience` epochs without a strict improvement', () => {
    const { state, stoppedAt } = replay([0.9, 0.5, 0.6, 0.5, 0.7, 0.4], 3);
    expect(state.bestEpoch).toBe(2);
    expect(state.bestLoss).toBe(0.5);
    expect(stoppedAt).toBe(5);
  });

  it('never counts a NaN loss as an improvement', () => {
    const { state, stoppedAt } = replay([0.8, Number.NaN, Number.NaN], 2);
    expect(state.bestEpoch).toBe(1);
    expect(stoppedAt).toBe(3);
  });
});
