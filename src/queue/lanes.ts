// The claimer's side of weighted fair share (stride scheduling): each tier lane's pass, virtual time that
// advances by 1 / weight whenever the lane is served. Each claim (claim_jobs(), sql/claimJob.ts) tries the
// lanes in order of pass and serves the first with a claimable job; this class keeps the passes between
// claim calls. A call of several claims advances its own copy after each one, with the same rule as
// served() below (claim_jobs repeats it in PL/pgSQL, 0028: in its set-based part and in its loop; change
// all three together); the caller then replays the call's rows through served() in claim order and ends
// with the same passes.
//
// Kept per JobQueue (one per process), not in a shared row: a shared pass row was written by every claim,
// so every claimer in the fleet waited on the one before it until that claim's commit had flushed. Each
// process applies the weights to its own claims, so the fleet's mix follows them too; one claim call of a
// process is in flight at a time (claims.ts), so its claims follow the ratio exactly.
import type { Tier } from "../config/config.js";

export type LanePasses = Record<Tier, number>;

/** The claim call's $4, $5: the PLUS and FREE passes. */
export function laneOrderParams(passes: LanePasses): [number, number] {
  return [passes.PLUS, passes.FREE];
}

export class LaneClock {
  private readonly pass: LanePasses = { PLUS: 0, FREE: 0 };

  /** A copy of the passes, for the next claim. */
  passes(): LanePasses {
    return { ...this.pass };
  }

  /**
   * Accounts a claim served from `tier` under `weights`. A lane that was idle does not bank credit: its
   * pass is first raised to (highest pass - largest stride), so on its return it gets at most one stride
   * of catch-up, not a monopoly. With fair share off the passes are not used, and not moved.
   */
  served(tier: Tier, weights: { fairShare: boolean } & Record<Tier, number>): void {
    if (!weights.fairShare) return;
    const strides = { PLUS: 1 / weights.PLUS, FREE: 1 / weights.FREE };
    const floor = Math.max(this.pass.PLUS, this.pass.FREE) - Math.max(strides.PLUS, strides.FREE);
    this.pass[tier] = Math.max(this.pass[tier], floor) + strides[tier];
    // Only the order and the gaps matter: rebased on the lower pass so the numbers never grow.
    const base = Math.min(this.pass.PLUS, this.pass.FREE);
    this.pass.PLUS -= base;
    this.pass.FREE -= base;
  }
}
