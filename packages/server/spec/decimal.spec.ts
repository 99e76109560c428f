import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimal } from '../src/stores/redis/decimal.js';

describe('decimal', () => {
  it('writes every number as String does', () => {
    const edges = [
      0,
      -1,
      1.5,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 31 + 1,
      1e12,
      1e12 + 1,
      1765130000000,
      1765130000999,
      1765130099999,
      1765130100000,
      2 ** 53 - 1,
      2 ** 53,
      2 ** 53 + 2,
      1e21,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -1765130000000,
      1765130000000.5,
    ];
    for (const n of edges) expect(decimal(n)).toBe(String(n));
    // Every ms of some 17 minutes of wall-clock time, across many million boundaries.
    for (let n = 1765129500000; n < 1765130500000; n += 1) {
      if (decimal(n) !== String(n)) expect(decimal(n)).toBe(String(n));
    }
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(decimal(n)).toBe(String(n));
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.double(), (n) => {
        expect(decimal(n)).toBe(String(n));
      }),
    );
  });
});
