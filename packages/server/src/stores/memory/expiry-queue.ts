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

/** An entry of a {@link scheduledQueue}: when it falls due, and where it sits in the heap. */
export interface Scheduled {
  dueAt: number;
  /** Its place in the heap, -1 when it is not in one. */
  heapIndex: number;
}

/** A min-heap of entries that know their place, so one can be moved or taken out in O(log n). */
export interface ScheduledQueue<T extends Scheduled> {
  add(entry: T): void;
  /** Puts `entry` back in order after its `dueAt` changed. */
  moved(entry: T): void;
  /** Takes `entry` out, if it is in. */
  remove(entry: T): void;
  /** Takes out every entry due at or before `now`, earliest first. */
  takeDue(now: number): T[];
  /** When the earliest entry falls due; `Infinity` when there is none. */
  readonly firstDueAt: number;
  readonly size: number;
}

/**
 * A queue that holds each entry once, however often its time changes: a session renewed many
 * times has one entry, moved at each renewal, instead of one entry per renewal left to go stale.
 */
export function scheduledQueue<T extends Scheduled>(): ScheduledQueue<T> {
  const heap: T[] = [];
  const place = (i: number, entry: T) => {
    heap[i] = entry;
    entry.heapIndex = i;
  };

  function up(i: number): void {
    const entry = heap[i] as T;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent] as T;
      if (above.dueAt <= entry.dueAt) break;
      place(i, above);
      i = parent;
    }
    place(i, entry);
  }

  function down(i: number): void {
    const entry = heap[i] as T;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= heap.length) break;
      const right = child + 1;
      if (right < heap.length && (heap[right] as T).dueAt < (heap[child] as T).dueAt) child = right;
      const below = heap[child] as T;
      if (below.dueAt >= entry.dueAt) break;
      place(i, below);
      i = child;
    }
    place(i, entry);
  }

  function moved(entry: T): void {
    const i = entry.heapIndex;
    up(i);
    if (entry.heapIndex === i) down(i);
  }

  function remove(entry: T): void {
    const i = entry.heapIndex;
    if (i < 0) return;
    entry.heapIndex = -1;
    const last = heap.pop() as T;
    if (i < heap.length) {
      place(i, last);
      moved(last);
    }
  }

  return {
    add(entry) {
      heap.push(entry);
      up(heap.length - 1);
    },
    moved,
    remove,
    takeDue(now) {
      const due: T[] = [];
      while (heap.length > 0 && (heap[0] as T).dueAt <= now) {
        const first = heap[0] as T;
        remove(first);
        due.push(first);
      }
      return due;
    },
    get firstDueAt() {
      return heap.length > 0 ? (heap[0] as T).dueAt : Number.POSITIVE_INFINITY;
    },
    get size() {
      return heap.length;
    },
  };
}
