/**
 * Wall time of runs trained together (a stacked cell, a linear-cpu group of one seed): the group's time since it
 * started, and each run's own share of it. Time is charged at marks: the time since the previous mark goes in
 * equal parts to the runs that used it (an epoch: every run still training; a final evaluation: its run alone),
 * so the shares of a group's runs add up to the group's time.
 */
export class SharedWallTime {
  private readonly started: number;
  private last: number;
  private readonly charged: number[];

  /** `now` in milliseconds (performance.now by default; tests pass a clock of their own). */
  constructor(
    runCount: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
    this.last = this.started;
    this.charged = new Array<number>(runCount).fill(0);
  }

  /** Charges the time since the previous mark in equal parts to `runs` (indices into the group). */
  charge(runs: readonly number[]): void {
    const now = this.now();
    if (runs.length > 0) {
      const share = (now - this.last) / runs.length;
      for (const index of runs) this.charged[index] = (this.charged[index] as number) + share;
    }
    this.last = now;
  }

  /** The run's own seconds so far, and the group's since it started. */
  seconds(run: number): { runWallSeconds: number; cellWallSeconds: number } {
    return {
      runWallSeconds: (this.charged[run] as number) / 1000,
      cellWallSeconds: (this.now() - this.started) / 1000,
    };
  }
}
