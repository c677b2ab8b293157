// Lesson 4a of the tokenizer: a priority queue of pairs, for the fast trainer.
//
// The trainer needs, before each merge, the pair with the highest count (ties: the smallest pair
// key, see base.ts). Scanning every pair each time is what makes base.ts slow; a binary heap gives
// the best pair in O(log n). Counts change after every merge, and a binary heap cannot update an
// entry in place, so the trainer simply pushes the pair again with its new count and, when popping,
// skips entries whose count is no longer the pair's current count ("lazy deletion").
//
// Left out: the counts themselves (train.ts owns them); this queue only orders (count, key) entries.

/** A binary max-heap of (count, key): the highest count first, then the smallest key. */
export class PairQueue {
  private counts: number[] = [];
  private keys: number[] = [];

  /** Entries in the queue, stale ones included. */
  get size(): number {
    return this.keys.length;
  }

  /** The count of the best entry (undefined when empty). */
  topCount(): number | undefined {
    return this.counts[0];
  }

  /** The key of the best entry (undefined when empty). */
  topKey(): number | undefined {
    return this.keys[0];
  }

  /** Adds an entry: O(log n). */
  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    this.siftUp(this.keys.length - 1);
  }

  /** Removes the best entry: O(log n). */
  pop(): void {
    const last = this.keys.length - 1;
    this.move(last, 0);
    this.counts.pop();
    this.keys.pop();
    if (last > 0) this.siftDown(0);
  }

  /** Whether entry i comes out before entry j. */
  private before(i: number, j: number): boolean {
    const ci = this.counts[i], cj = this.counts[j];
    return ci > cj || (ci === cj && this.keys[i] < this.keys[j]);
  }

  private move(from: number, to: number): void {
    this.counts[to] = this.counts[from];
    this.keys[to] = this.keys[from];
  }

  private swap(i: number, j: number): void {
    const c = this.counts[i], k = this.keys[i];
    this.move(j, i);
    this.counts[j] = c;
    this.keys[j] = k;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.keys.length;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let best = i;
      if (l < n && this.before(l, best)) best = l;
      if (r < n && this.before(r, best)) best = r;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }
}
