/** Mean and standard error over seeds: population standard deviation / sqrt(n), as protocol.md defines it. */
export interface MeanStderr {
  mean: number;
  stderr: number;
  n: number;
}

export function meanStderr(values: readonly number[]): MeanStderr | null {
  const n = values.length;
  if (n === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
  return { mean, stderr: Math.sqrt(variance) / Math.sqrt(n), n };
}
