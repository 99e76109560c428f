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
 * new one and ignores a stale one when it falls due. The heap is two parallel arrays, times and
 * values, so a push (one per heartbeat) allocates no object of its own.
 */
export function expiryQueue<T>(): ExpiryQueue<T> {
  const times: number[] = [];
  const values: T[] = [];

  function swap(i: number, j: number): void {
    const time = times[i] as number;
    times[i] = times[j] as number;
    times[j] = time;
    const value = values[i] as T;
    values[i] = values[j] as T;
    values[j] = value;
  }
  const at = (i: number) => times[i] as number;

  function up(i: number): void {
    for (let parent = (i - 1) >> 1; i > 0 && at(i) < at(parent); parent = (i - 1) >> 1) {
      swap(i, parent);
      i = parent;
    }
  }

  function down(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < times.length && at(left) < at(least)) least = left;
      if (right < times.length && at(right) < at(least)) least = right;
      if (least === i) return;
      swap(i, least);
      i = least;
    }
  }

  return {
    push(due, value) {
      times.push(due);
      values.push(value);
      up(times.length - 1);
    },
    takeDue(now) {
      const due: Array<{ at: number; value: T }> = [];
      while (times.length > 0 && at(0) <= now) {
        due.push({ at: at(0), value: values[0] as T });
        const lastTime = times.pop() as number;
        const lastValue = values.pop() as T;
        if (times.length > 0) {
          times[0] = lastTime;
          values[0] = lastValue;
          down(0);
        }
      }
      return due;
    },
    get size() {
      return times.length;
    },
  };
}
