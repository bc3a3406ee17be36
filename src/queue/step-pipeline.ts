// The denoising step's path off the database's critical path (issue 18). A step is two things:
//  - an event for the job's subscribers: published from the worker at once, batched with the process's
//    other step events (src/events/batcher.ts), never waited for by the step;
//  - the row's step count: written at most every `rowMs` per job, in the background, by the same fenced
//    statement as every other progress write (recordProgress, without a NOTIFY: the events went ahead).
// The step itself only appends to memory. What the row write learns (a lost lease, a cancel) is reported
// at the next step, as a synchronous write would have reported it one step later at most.
//
// Fencing: the row is fenced as before (a stale lease writes nothing). The events are fenced at the
// reader: each carries its lease's token, and a subscriber drops events of a lease older than the one it
// follows, and any step event while the job is not RUNNING (src/api/progress.ts applyProgress). A stale
// worker learns of its loss at its next row write or heartbeat; until then its events reach subscribers
// only if nothing has superseded its lease, exactly as its synchronous writes did before.
import type { EventBatcher } from "../events/batcher.js";
import type { JobEvent } from "../events/bus.js";
import type { JobStage } from "../jobs/states.js";
import { LeaseLostError } from "./errors.js";
import type { ProgressWrite } from "./sql/recordProgress.js";
import type { Lease } from "./types.js";

/** What the background row write runs: the fenced progress write, without announcing it. */
export type RowWrite = (lease: Lease, write: ProgressWrite) => Promise<{ cancel_requested: boolean }>;

interface Lane {
  lease: Lease;
  /** the stage of the last synchronous write: a step of another stage takes the synchronous path */
  stage: JobStage;
  writtenAt: number;
  /** when the last row write that succeeded began: the lease runs at least leaseMs from then */
  extendedAt: number;
  unwritten: ProgressWrite | null;
  inFlight: Promise<void> | null;
  lost: LeaseLostError | null;
  cancelRequested: boolean;
  /** the next step goes synchronously (see recheck) */
  recheck: boolean;
  /** the trailing row write: steps taken and then no more (a stall, a long step, the stage's end) still
   * reach the row, `rowMs` after the last of them */
  trailing: NodeJS.Timeout | null;
  /** a synchronous write of the lease (settle() to wrote(), opened() or closed()) is in flight: steps
   * gather, no row write starts, and another settle() waits for it; resolved when it ends */
  held: { ended: Promise<void>; end: () => void } | null;
}

/**
 * Background row writes in flight per process at most; the others wait their turn, their lanes gathering
 * steps meanwhile (nothing is lost: the write takes whatever is unwritten when it starts). Row writes are
 * the one statement nothing waits for, and without a bound they took the pool: in bench:fleet at 2,000
 * jobs (1,000 per host, a pool of 12) a burst of them left 122-384 statements queued for a connection at
 * p99 (552 at most), and claims, checkpoints and completions queued behind them.
 */
export const MAX_ROW_WRITES_IN_FLIGHT = 4;

/** How long a non-step event is remembered for a lane not open yet: longer than any claim or write takes. */
const HEARD_KEPT_MS = 30_000;

export class StepPipeline {
  /** by job id: a process holds one lease of a job at a time (a stale one finds another token: no lane) */
  private readonly lanes = new Map<string, Lane>();
  private prunedAt = 0;
  private rowWritesInFlight = 0;
  /** lanes whose row write waits for one of the MAX_ROW_WRITES_IN_FLIGHT, in the order they asked */
  private readonly waitingForWrite = new Set<Lane>();
  /** the last non-step event heard per job (its token, when it carried one), for lanes not open yet */
  private readonly heardSince = new Map<string, { at: number; token: number | undefined }>();
  private resyncAt = -Infinity;

  constructor(private readonly batcher: EventBatcher, private readonly writeRow: RowWrite, private readonly rowMs: number, private readonly staleMs: number) {}

  /**
   * Takes a step if this lease has a lane in the same stage (opened by a synchronous write); returns
   * null when the caller must write synchronously instead. Throws LeaseLostError once a row write of
   * this lease found it superseded.
   */
  step(lease: Lease, write: ProgressWrite, event: JobEvent): { cancelRequested: boolean } | null {
    const lane = this.laneOf(lease);
    if (!lane || lane.stage !== write.stage || lane.recheck) return null;
    if (lane.lost) throw lane.lost;
    this.batcher.add(event);
    lane.unwritten = merge(lane.unwritten, write);
    // its write will carry this step: the turn it waits for, or the synchronous write's end (wrote())
    if (this.waitingForWrite.has(lane) || lane.held) return { cancelRequested: lane.cancelRequested };
    if (!lane.inFlight && performance.now() - lane.writtenAt >= this.rowMs) {
      this.untrail(lane);
      this.startWrite(lane);
    } else this.trail(lane);
    return { cancelRequested: lane.cancelRequested };
  }

  /**
   * Before any synchronous write of the lease: waits for its row write in flight (and for another
   * synchronous write of the lease: a checkpoint the stage did not wait for) and hands back the steps
   * not yet written (the synchronous write carries them), and publishes every step event still queued,
   * so that no step event can arrive after the stage change or the end the synchronous write announces.
   * Until the write ends (wrote(), opened() or closed()), the lease's steps gather and nothing else
   * writes its row: two fenced writes of one lease never race for the row, so its step count never
   * goes back.
   */
  async settle(lease: Lease): Promise<ProgressWrite | null> {
    let lane: Lane | undefined;
    // Waits until no write of the lease is in flight and takes the hold in the same turn as it looked:
    // a second settle() (the loop's synchronous write beside a checkpoint in the background) that looked
    // in between would otherwise take it too, and both statements would run at once.
    for (;;) {
      lane = this.laneOf(lease);
      if (!lane) {
        await this.batcher.flush();
        return null;
      }
      this.untrail(lane);
      this.waitingForWrite.delete(lane); // the synchronous write carries its steps, without waiting for a turn
      if (!lane.inFlight && !lane.held) break;
      await (lane.inFlight ?? lane.held!.ended);
    }
    let end!: () => void;
    lane.held = { ended: new Promise<void>((resolve) => (end = resolve)), end };
    // Held: steps gather, no row write starts; the events of the steps before go out first.
    await this.batcher.flush();
    const unwritten = lane.unwritten;
    lane.unwritten = null;
    return lane.lost ? null : unwritten;
  }

  /**
   * After a write that read the row (a synchronous progress write, a claim into its first stage): the
   * lease's next steps in `stage` may take the pipelined path. A later stage's first step is synchronous:
   * it learns the cancel flag as that stage starts; the claim read it for the first stage.
   */
  opened(lease: Lease, stage: JobStage, cancelRequested: boolean, writeBegan: number): void {
    this.prune();
    const previous = this.lanes.get(lease.jobId);
    if (previous) this.retire(previous);
    // A non-step event for the job (a cancel) or a resync heard while the write that opens the lane was
    // in flight may have come after what that write read: the first step then reads the row.
    const heard = this.heardSince.get(lease.jobId);
    const recheck = this.resyncAt >= writeBegan || (heard !== undefined && heard.at >= writeBegan && heard.token !== lease.fencingToken);
    this.lanes.set(lease.jobId, { lease, stage, writtenAt: writeBegan, extendedAt: writeBegan, unwritten: null, inFlight: null, lost: null, cancelRequested, recheck, trailing: null, held: null });
  }

  /**
   * Another synchronous write of the lease carried what settle() handed over (a checkpoint's row write):
   * it counts as the lane's row write. When it failed, a lost lease is kept (the next step and heartbeat
   * are told), and after any other failure `carried` goes back to the lane for the next row write.
   */
  wrote(lease: Lease, writeBegan: number, outcome: { cancelRequested: boolean } | { failed: unknown; carried: ProgressWrite | null }): void {
    const lane = this.laneOf(lease);
    if (!lane) return;
    this.unhold(lane);
    if ("failed" in outcome) {
      if (outcome.carried) this.writeFailed(lane, outcome.carried, outcome.failed);
      else if (outcome.failed instanceof LeaseLostError) lane.lost = outcome.failed;
    } else {
      lane.writtenAt = Math.max(lane.writtenAt, writeBegan);
      lane.extendedAt = Math.max(lane.extendedAt, writeBegan);
      lane.cancelRequested = outcome.cancelRequested;
    }
    // steps taken while it was in flight: the trailing write takes them if no step comes to
    if (lane.unwritten && !lane.lost) this.trail(lane);
  }

  /**
   * The lease's cancel flag as its last row write read it, when a row write that began within `withinMs`
   * extended the lease and nothing since asks for the row to be read (a lost lease, a recheck); else null.
   */
  recentlyExtended(lease: Lease, withinMs: number): { cancelRequested: boolean } | null {
    const lane = this.laneOf(lease);
    if (!lane || lane.lost || lane.recheck || performance.now() - lane.extendedAt >= withinMs) return null;
    return { cancelRequested: lane.cancelRequested };
  }

  /**
   * Something other than a step happened to the job (a cancel request, a staff action: an event that is
   * not a step): its next step is written synchronously, so the worker learns of it at that step, as it
   * did when every step was a row write. A resync (events may be lost) does this for every lane. An
   * event with the lane's own token (`ownToken`: the claim that opened it) is this lease's own write.
   */
  recheck(jobId: string | null, ownToken?: number): void {
    const now = performance.now();
    this.prune();
    if (jobId === null) {
      this.resyncAt = now;
      for (const lane of this.lanes.values()) lane.recheck = true;
      return;
    }
    // kept a while for a lane a write in flight is about to open (opened() compares)
    this.heardSince.set(jobId, { at: now, token: ownToken });
    const lane = this.lanes.get(jobId);
    if (lane && lane.lease.fencingToken !== ownToken) lane.recheck = true;
  }

  /** The lease ended (a finish statement ran, or was refused): its lane goes. */
  closed(lease: Lease): void {
    const lane = this.laneOf(lease);
    if (lane) { this.retire(lane); this.lanes.delete(lease.jobId); }
  }

  /** A lane replaced or closed: no timer, no turn, and whoever waits for its synchronous write goes on. */
  private retire(lane: Lane): void {
    this.untrail(lane);
    this.waitingForWrite.delete(lane);
    this.unhold(lane);
  }

  private unhold(lane: Lane): void {
    lane.held?.end();
    lane.held = null;
  }

  /**
   * (Re)arms the lane's trailing write for `rowMs` after this step. Steps that keep coming write the row
   * themselves (the first past `rowMs`); the timer only catches the last ones. Timed from the last row
   * write instead, it fired on the very step a checkpoint was due (1 s steps, 5 s rows, a checkpoint
   * every 10): a row write the checkpoint's statement would have carried (bench:fleet, issue 18).
   */
  private trail(lane: Lane): void {
    if (lane.trailing) {
      lane.trailing.refresh();
      return;
    }
    lane.trailing = setTimeout(() => {
      lane.trailing = null;
      if (this.lanes.get(lane.lease.jobId) !== lane || !lane.unwritten || lane.held) return; // wrote() re-arms it
      if (lane.inFlight) void lane.inFlight.then(() => this.trail(lane));
      else this.startWrite(lane);
    }, this.rowMs);
    lane.trailing.unref();
  }

  private untrail(lane: Lane): void {
    if (lane.trailing) clearTimeout(lane.trailing);
    lane.trailing = null;
  }

  private laneOf(lease: Lease): Lane | undefined {
    const lane = this.lanes.get(lease.jobId);
    return lane?.lease.fencingToken === lease.fencingToken ? lane : undefined;
  }

  /** Starts the lane's row write now, or queues it for the next free turn. */
  private startWrite(lane: Lane): void {
    if (this.rowWritesInFlight < MAX_ROW_WRITES_IN_FLIGHT) lane.inFlight = this.writeLane(lane);
    else this.waitingForWrite.add(lane);
  }

  private nextWrite(): void {
    for (const lane of this.waitingForWrite) {
      if (this.rowWritesInFlight >= MAX_ROW_WRITES_IN_FLIGHT) return;
      this.waitingForWrite.delete(lane);
      // a held lane's steps go with the synchronous write, or its end re-arms the trailing write (wrote())
      if (this.lanes.get(lane.lease.jobId) === lane && lane.unwritten && !lane.inFlight && !lane.held) lane.inFlight = this.writeLane(lane);
    }
  }

  /** A write of the lane's steps failed: a lost lease is kept; after any other failure (a pooler restart)
   * the steps go back to be written by the next row write. */
  private writeFailed(lane: Lane, write: ProgressWrite, error: unknown): void {
    if (error instanceof LeaseLostError) lane.lost = error;
    else lane.unwritten = merge(write, lane.unwritten ?? write);
  }

  private async writeLane(lane: Lane): Promise<void> {
    this.rowWritesInFlight++;
    const write = lane.unwritten!;
    lane.unwritten = null;
    const began = performance.now();
    lane.writtenAt = began;
    try {
      const row = await this.writeRow(lane.lease, write);
      lane.cancelRequested = row.cancel_requested;
      lane.extendedAt = began;
    } catch (error) {
      this.writeFailed(lane, write, error);
    } finally {
      lane.inFlight = null;
      this.rowWritesInFlight--;
      this.nextWrite();
    }
  }

  /**
   * A lane whose runner stopped without a finish statement (a crash of its stage) is dropped after a
   * while. Looked for at most once a second: lanes open at every claim, and a host may hold thousands.
   */
  private prune(): void {
    const now = performance.now();
    if (now - this.prunedAt < 1_000) return;
    this.prunedAt = now;
    const before = now - this.staleMs;
    for (const [k, heard] of this.heardSince) if (heard.at < now - HEARD_KEPT_MS) this.heardSince.delete(k);
    for (const [k, lane] of this.lanes) {
      if (!lane.inFlight && !lane.held && lane.writtenAt < before) { this.retire(lane); this.lanes.delete(k); }
    }
  }
}

/** The later write wins field by field; `progress` and `metadata` merge as the row's jsonb `||` does. */
export function merge(earlier: ProgressWrite | null, later: ProgressWrite): ProgressWrite {
  if (!earlier) return later;
  return {
    stage: later.stage,
    stepsCompleted: later.stepsCompleted ?? earlier.stepsCompleted,
    progress: earlier.progress || later.progress ? { ...earlier.progress, ...later.progress } : undefined,
    metadata: earlier.metadata || later.metadata ? { ...earlier.metadata, ...later.metadata } : undefined,
  };
}
