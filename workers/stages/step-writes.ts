// What a denoising step writes that the next step need not wait for (issue 18): a checkpoint (its object
// and the fenced row write that points the job at it, a synchronous commit) and a preview's object. They
// run while the next step's model call does; each used to hold the loop up: ~3.5 ms a checkpoint and
// ~1 ms a preview on the disk store, tens of ms each on an S3 store. The next step is counted only once
// its checkpoint is (checkpointed()): the write overlaps one model call, not the count.
//
// What stays as it was: a checkpoint's object is stored before the row points at it, one checkpoint at a
// time and in order (the next waits for the one before: the row never points back); a preview's key
// reaches the row and subscribers only after its object is stored (with the first step after that, so
// one step later than before); a failure stops the job at its next step, as it stopped the step before;
// nothing is left running when the stage ends, however it ends (the runner removes the job's objects
// after a terminal state: an object stored after that would linger).
export class StepWrites {
  private checkpointing: Promise<void> | null = null;
  private previewing: Promise<void> | null = null;
  private failure: { error: unknown } | null = null;
  private preview: string | undefined;

  /**
   * Stores a checkpoint and points the job at it, after the one before ends (waited for here: with a
   * store slower than ten steps, the loop waits rather than queue checkpoints without bound).
   */
  async checkpoint(write: () => Promise<void>): Promise<void> {
    if (this.checkpointing) await this.checkpointing;
    this.throwIfFailed();
    this.checkpointing = this.track(write(), () => (this.checkpointing = null));
  }

  /** Whether storePreview would take a preview now (none in flight): asked before encoding one. */
  get previewFree(): boolean {
    return this.previewing === null;
  }

  /**
   * Stores a preview; its key is handed to the first step after it is stored (readyPreview). A preview
   * due while the one before is still being stored is skipped: a newer one follows a few steps on.
   */
  storePreview(key: string, put: () => Promise<void>): boolean {
    if (this.previewing) return false;
    this.previewing = this.track(put().then(() => void (this.preview = key)), () => (this.previewing = null));
    return true;
  }

  /** The latest preview stored since the last call, for the step's progress write. */
  readyPreview(): string | undefined {
    const key = this.preview;
    this.preview = undefined;
    return key;
  }

  /**
   * Before a step is counted (its progress written, its event published): the checkpoint in flight is
   * stored and pointed at. Its put and row ran during this step's model call, but no step past a
   * checkpoint counts until the checkpoint does: a crash then loses at most checkpointEvery counted
   * steps, as when checkpoints were written on their own step (test/faults: a worker killed after a
   * checkpoint's put, before its row, had counted one step more, and resumed from the one before).
   */
  async checkpointed(): Promise<void> {
    if (this.checkpointing) await this.checkpointing;
    this.throwIfFailed();
  }

  /** Throws what a write in the background failed with (the step after it stops the job). */
  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Waits for every write in flight; throws the first failure. */
  async drain(): Promise<void> {
    await this.settled();
    this.throwIfFailed();
  }

  /** Waits for every write in flight, whatever they end with (the stage is ending anyway). */
  async settled(): Promise<void> {
    await Promise.all([this.checkpointing, this.previewing]);
  }

  private track(write: Promise<void>, done: () => void): Promise<void> {
    return write.then(
      () => done(),
      (error: unknown) => {
        this.failure ??= { error };
        done();
      },
    );
  }
}
