// Measured costs per model and geometry, for ETAs: an exponential moving average of the denoising step
// time and of the time after the last step (decode, encode, store), kept by each worker process across
// jobs. A job's ETA is then its remaining steps at the measured rate plus the measured tail, known from
// the first step of a job instead of extrapolated from its elapsed time.
const ALPHA = 0.2;

interface Costs { stepMs: number | null; tailMs: number | null }

export class StepTimes {
  private readonly costs = new Map<string, Costs>();

  static key(modelHash: string, latent: readonly number[]): string {
    return `${modelHash}:${latent.join("x")}`;
  }

  recordStep(key: string, ms: number): void {
    const c = this.get(key);
    c.stepMs = c.stepMs === null ? ms : c.stepMs + ALPHA * (ms - c.stepMs);
  }

  recordTail(key: string, ms: number): void {
    const c = this.get(key);
    c.tailMs = c.tailMs === null ? ms : c.tailMs + ALPHA * (ms - c.tailMs);
  }

  /** Seconds left with `remainingSteps` steps to go; undefined until a step of this kind was measured. */
  etaSeconds(key: string, remainingSteps: number): number | undefined {
    const c = this.costs.get(key);
    if (!c || c.stepMs === null) return undefined;
    return Math.ceil((remainingSteps * c.stepMs + (c.tailMs ?? 0)) / 1000);
  }

  private get(key: string): Costs {
    let c = this.costs.get(key);
    if (!c) this.costs.set(key, (c = { stepMs: null, tailMs: null }));
    return c;
  }
}
