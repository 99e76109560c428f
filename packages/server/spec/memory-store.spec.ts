import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../spec/support/store-contract.js';
import { memoryStore } from '../src/index.js';

describeStoreContract('memoryStore', () => memoryStore());

it('memoryStore uses its own clock when a call passes no time', async () => {
  let now = 0;
  const store = memoryStore({ clock: () => now });
  const session = { accountId: 'alice', contentId: 'c', counted: true, expiresAt: 1000 };
  await store.admit({ sessionToken: 'token-a', session, maxSessions: 1 });
  expect(await store.count('alice')).toBe(1);
  now = 1000;
  expect(await store.count('alice')).toBe(0);
  expect(await store.sweep()).toEqual({ expired: 1, live: 0 });
});
