/**
 * Early stopping on clean validation loss (protocol.md: patience 50, best weights restored).
 * An epoch improves when its loss is strictly below the best so far; training stops once `patience` epochs
 * in a row have not improved.
 */
export interface EarlyStoppingState {
  bestLoss: number;
  bestEpoch: number;
  epochsWithoutImprovement: number;
}

export const initialEarlyStopping: EarlyStoppingState = {
  bestLoss: Number.POSITIVE_INFINITY,
  bestEpoch: 0,
  epochsWithoutImprovement: 0,
};

export function observeEpoch(
  state: EarlyStoppingState,
  epoch: number,
  validationLoss: number,
  patience: number,
): { state: EarlyStoppingState; improved: boolean; stop: boolean } {
  if (validationLoss < state.bestLoss) {
    return {
      state: { bestLoss: validationLoss, bestEpoch: epoch, epochsWithoutImprovement: 0 },
      improved: true,
      stop: false,
    };
  }
  const epochsWithoutImprovement = state.epochsWithoutImprovement + 1;
  return {
    state: { ...state, epochsWithoutImprovement },
    improved: false,
    stop: epochsWithoutImprovement >= patience,
  };
}
