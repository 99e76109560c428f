import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SsmStore } from '../../src/server/index.js';
import { everyStore } from '../support/every-store.js';
import { denyRound, evictRound } from '../support/policy-storm.js';
import { SPEC_SECRET, type SpecServer, startSpecServer } from '../support/ssm-server.js';

const stores = everyStore('policy-exact:');

describe.each(stores)(
  'the concurrency policy under 1,000 concurrent setups, on the %s store',
  (name, open) => {
    let spec: SpecServer;
    let store: SsmStore;
    beforeAll(async () => {
      store = open();
      spec = await startSpecServer({ store, sweepIntervalMs: false, heartbeatSeconds: 30 });
    });
    afterAll(async () => {
      await spec?.server.close();
      await store?.close();
    });
    const target = () => ({ bases: [spec.base], secret: SPEC_SECRET, store, now: spec.now });

    it('deny: 50 accounts with mixed rules get exactly what the rules allow, 5 rounds', async () => {
      // A store too slow under load answers 503 and the setup is sent again: exactness holds all the same.
      for (let round = 0; round < 5; round += 1) await denyRound(target(), `${name}-deny-${round}`);
    }, 120_000);

    it('evict-oldest: the rules hold at every sample, and every evicted session is told on its next heartbeat, 5 rounds', async () => {
      for (let round = 0; round < 5; round += 1) {
        expect(await evictRound(target(), `${name}-evict-${round}`)).toBeGreaterThan(0);
      }
    }, 120_000);
  },
);
