import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expiryQueue, type Scheduled, scheduledQueue } from '../src/stores/memory/expiry-queue.js';

interface Entry extends Scheduled {
  id: number;
}

describe('scheduledQueue', () => {
  it('takes out what is due, earliest first, however entries were added, moved and removed', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), at: fc.integer({ min: 0, max: 100 }) }),
      fc.record({
        kind: fc.constant('move' as const),
        pick: fc.nat(),
        at: fc.integer({ min: 0, max: 100 }),
      }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('take' as const), now: fc.integer({ min: 0, max: 100 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const queue = scheduledQueue<Entry>();
        const model = new Set<Entry>();
        let id = 0;
        for (const o of ops) {
          const entries = [...model];
          if (o.kind === 'add') {
            const entry = { id: id++, dueAt: o.at, heapIndex: -1 };
            queue.add(entry);
            model.add(entry);
          } else if (o.kind === 'move' && entries.length > 0) {
            const entry = entries[o.pick % entries.length] as Entry;
            entry.dueAt = o.at;
            queue.moved(entry);
          } else if (o.kind === 'remove' && entries.length > 0) {
            const entry = entries[o.pick % entries.length] as Entry;
            queue.remove(entry);
            queue.remove(entry);
            model.delete(entry);
            expect(entry.heapIndex).toBe(-1);
          } else if (o.kind === 'take') {
            const due = queue.takeDue(o.now);
            const expected = entries.filter((entry) => entry.dueAt <= o.now);
            expect(new Set(due)).toEqual(new Set(expected));
            expect(due.map((entry) => entry.dueAt)).toEqual(
              expected.map((entry) => entry.dueAt).sort((a, b) => a - b),
            );
            for (const entry of due) model.delete(entry);
          }
          expect(queue.size).toBe(model.size);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('expiryQueue', () => {
  it('takes out every entry due, earliest first, and leaves the rest', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100 })),
        fc.integer({ min: 0, max: 100 }),
        (ats, now) => {
          const queue = expiryQueue<number>();
          for (const [i, at] of ats.entries()) queue.push(at, i);
          const due = queue.takeDue(now);
          expect(due.map(({ at }) => at)).toEqual(
            ats.filter((at) => at <= now).sort((a, b) => a - b),
          );
          expect(due.every(({ at, value }) => ats[value] === at)).toBe(true);
          expect(queue.size).toBe(ats.filter((at) => at > now).length);
        },
      ),
    );
  });
});
