/** Entries ordered by the time they fall due: a binary min-heap. */
export interface ExpiryQueue<T> {
  /** Adds `value`, due at `at` (ms since the epoch). */
  push(at: number, value: T): void;
  /** Takes out every entry due at or before `now`, earliest first. */
  takeDue(now: number): Array<{ at: number; value: T }>;
  readonly size: number;
}

/**
 * A queue of what expires when, so a store removes its expired entries at a cost that follows
 * how many expired, not how many it holds. Entries are never updated in place: a store pushes a
 * new one and ignores a stale one when it falls due.
 */
export function expiryQueue<T>(): ExpiryQueue<T> {
  const heap: Array<{ at: number; value: T }> = [];

  function swap(i: number, j: number): void {
    const entry = heap[i] as { at: number; value: T };
    heap[i] = heap[j] as { at: number; value: T };
    heap[j] = entry;
  }
  const at = (i: number) => (heap[i] as { at: number }).at;

  function up(i: number): void {
    for (let parent = (i - 1) >> 1; i > 0 && at(i) < at(parent); parent = (i - 1) >> 1) {
      swap(i, parent);
      i = parent;
    }
  }

  function down(i: number): void {
    for (;;) {
      const [left, right] = [2 * i + 1, 2 * i + 2];
      let least = i;
      if (left < heap.length && at(left) < at(least)) least = left;
      if (right < heap.length && at(right) < at(least)) least = right;
      if (least === i) return;
      swap(i, least);
      i = least;
    }
  }

  return {
    push(due, value) {
      heap.push({ at: due, value });
      up(heap.length - 1);
    },
    takeDue(now) {
      const due: Array<{ at: number; value: T }> = [];
      while (heap.length > 0 && at(0) <= now) {
        due.push(heap[0] as { at: number; value: T });
        const last = heap.pop() as { at: number; value: T };
        if (heap.length > 0) {
          heap[0] = last;
          down(0);
        }
      }
      return due;
    },
    get size() {
      return heap.length;
    },
  };
}
