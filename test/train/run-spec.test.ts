import { describe, expect, it } from 'vitest';
import { gradientPassesPerSample } from '../../src/train/run-spec.js';

describe('gradientPassesPerSample', () => {
  it('counts 1 for standard training, 2 for a one-step attack and steps + 1 for PGD', () => {
    expect(gradientPassesPerSample({ kind: 'standard' })).toBe(1);
    expect(
      gradientPassesPerSample({ kind: 'adversarial', norm: 'linf', eps: 0.5, method: { name: 'one-step' } }),
    ).toBe(2);
    expect(
      gradientPassesPerSample({
        kind: 'adversarial',
        norm: 'l2',
        eps: 0.9778,
        method: { name: 'pgd', steps: 50, stepSize: 0.0489 },
      }),
    ).toBe(51);
  });
});
