// A small unbounded async queue: the bus pushes, one subscription generator pulls.
export class SignalQueue<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | null = null;

  push(item: T): void {
    this.items.push(item);
    this.waiter?.();
    this.waiter = null;
  }

  /** Everything queued so far, waiting for at least one item. */
  async drain(): Promise<T[]> {
    while (this.items.length === 0) await new Promise<void>((resolve) => (this.waiter = resolve));
    return this.items.splice(0);
  }
}
