import { describe, expect, test } from 'vitest';
import { SharedWallTime } from '../../src/train/run-timing.js';

describe('SharedWallTime', () => {
  test('splits each epoch among the runs in it and charges an evaluation to its run alone', () => {
    let ms = 0;
    const clock = new SharedWallTime(3, () => ms);
    // Epoch 1: 300 ms, three runs training: 100 ms each.
    ms = 300;
    clock.charge([0, 1, 2]);
    // Epoch 2: 200 ms, runs 1 and 2 still training: 100 ms each; run 1 ends, its evaluation takes 50 ms.
    ms = 500;
    clock.charge([1, 2]);
    ms = 550;
    clock.charge([1]);
    expect(clock.seconds(1)).toEqual({ runWallSeconds: 0.25, cellWallSeconds: 0.55 });
    // Epoch 3: 100 ms, run 2 alone, then its 50 ms evaluation.
    ms = 650;
    clock.charge([2]);
    ms = 700;
    clock.charge([2]);
    expect(clock.seconds(2)).toEqual({ runWallSeconds: 0.35, cellWallSeconds: 0.7 });
    // The shares add up to the group's time: 0.1 + 0.25 + 0.35.
    expect(clock.seconds(0).runWallSeconds).toBeCloseTo(0.1, 12);
  });
});
