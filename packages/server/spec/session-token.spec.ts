import { describe, expect, it } from 'vitest';
import {
  newSessionToken,
  routeOfAccount,
  routeOfToken,
  SESSION_ROUTES,
  sessionTokenSource,
} from '../src/tokens/session-token.js';

describe('sessionTokenSource', () => {
  it('hands out each byte of each CSPRNG block once, in order, and refills only when a block is used up', () => {
    const fills: Buffer[] = [];
    // Every fill writes bytes no other fill wrote: its number, then a running index.
    const fill = (block: Buffer) => {
      for (let i = 0; i < block.length; i += 4)
        block.writeUInt32BE(fills.length * 1_000_000 + i, i);
      fills.push(Buffer.from(block));
    };
    const next = sessionTokenSource(256, fill);
    const tokens = Array.from({ length: 8 * 5 + 3 }, next);

    expect(fills).toHaveLength(6);
    const handedOut = Buffer.concat(tokens.map((token) => Buffer.from(token, 'base64url')));
    // Exactly the blocks' bytes, back to back: nothing skipped, nothing given twice.
    expect(handedOut.equals(Buffer.concat(fills).subarray(0, tokens.length * 32))).toBe(true);
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('refuses a block that is not a whole number of tokens', () => {
    expect(() => sessionTokenSource(100)).toThrow(RangeError);
  });
});

describe('newSessionToken', () => {
  it('answers its route and 43 base64url characters (32 bytes), never the same twice across many refills', () => {
    const tokens = Array.from({ length: 20_000 }, () => newSessionToken('a7'));
    for (const token of tokens.slice(0, 200)) expect(token).toMatch(/^a7[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});

describe('routes', () => {
  it('an account always gets the same route, one of 256, that says nothing readable of it', () => {
    const route = routeOfAccount('alice');
    expect(route).toMatch(/^[0-9a-f]{2}$/);
    expect(routeOfAccount('alice')).toBe(route);
    expect(SESSION_ROUTES).toHaveLength(256);
    expect(SESSION_ROUTES).toContain(route);
    const routes = new Set(Array.from({ length: 5000 }, (_, n) => routeOfAccount(`account-${n}`)));
    expect(routes.size).toBe(256);
  });

  it('a token carries its route, and renewals keep it', () => {
    const token = newSessionToken(routeOfAccount('bob'));
    expect(routeOfToken(token)).toBe(routeOfAccount('bob'));
    expect(routeOfToken(newSessionToken(routeOfToken(token)))).toBe(routeOfAccount('bob'));
  });
});
