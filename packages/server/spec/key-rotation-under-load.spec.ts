// Rotating the signing key while sessions start and renew: with the old and the new key in the
// JWKS both are accepted, and once the old key is dropped (the next reload of the file, what
// SIGHUP does) only its tokens are refused. No other call fails at any moment.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ssmCall } from '../../../spec/support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../../../spec/support/ssm-server.js';
import { mintContentToken } from '../src/index.js';

async function keyPair(kid: string, alg: 'ES256' | 'RS256') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return {
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } as JWK,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg } as JWK,
  };
}

interface Outcome {
  call: 'setup' | 'heartbeat' | 'teardown';
  key: 'old' | 'new';
  /** The phase of the rotation the call was sent in. */
  phase: 'old only' | 'old and new' | 'dropping' | 'old dropped';
  /** The phase it was answered in. */
  answeredIn: Outcome['phase'];
  status: number;
  errorCode?: number;
}

let dir: string;
let spec: SpecServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rx-ssm-rotation-'));
});
afterAll(async () => {
  await spec?.server.close();
  await rm(dir, { recursive: true, force: true });
});

it('refuses no call but the old key’s setups once the old key is dropped', async () => {
  const [old, next] = await Promise.all([
    keyPair('2026-old', 'RS256'),
    keyPair('2026-new', 'ES256'),
  ]);
  const jwksFile = join(dir, 'jwks.json');
  const publish = (keys: JWK[]) => writeFile(jwksFile, JSON.stringify({ keys }));
  await publish([old.publicJwk]);
  spec = await startSpecServer({ jwksFile });

  const outcomes: Outcome[] = [];
  let phase: Outcome['phase'] = 'old only';
  let stopped = false;
  let completed = 0;
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const completedAtLeast = (count: number) =>
    new Promise<void>((resolve) => waiting.push({ count: completed + count, resolve }));

  /** One session: setup, two heartbeats, teardown, with a token of `key`. */
  async function session(client: number, round: number) {
    // A backend issues with the new key once it is published; players keep the old tokens they hold.
    const key: Outcome['key'] = phase === 'old only' || (client + round) % 2 === 0 ? 'old' : 'new';
    const contentToken = await mintContentToken({
      privateKey: key === 'old' ? old.privateJwk : next.privateJwk,
      accountId: `client-${client}`,
      contentId: 'c',
      maxSessions: 1,
      now: spec.now(),
    });
    const sentIn = phase;
    const record = (call: Outcome['call'], response: { status: number; body: unknown }) => {
      const { errorCode } = (response.body ?? {}) as { errorCode?: number };
      outcomes.push({
        call,
        key,
        phase: sentIn,
        answeredIn: phase,
        status: response.status,
        ...(errorCode && { errorCode }),
      });
      return response;
    };
    const setup = record('setup', await ssmCall(spec.base, 'setup', contentToken));
    if (setup.status !== 200) return;
    let { sessionToken } = setup.body as { sessionToken: string };
    for (let beat = 0; beat < 2; beat += 1) {
      const heartbeat = record('heartbeat', await ssmCall(spec.base, 'heartbeat', sessionToken));
      if (heartbeat.status !== 200) return;
      ({ sessionToken } = heartbeat.body as { sessionToken: string });
    }
    record('teardown', await ssmCall(spec.base, 'teardown', sessionToken));
  }

  async function client(id: number) {
    for (let round = 0; !stopped; round += 1) {
      await session(id, round);
      completed += 1;
      for (const wait of waiting.splice(0)) {
        if (completed >= wait.count) wait.resolve();
        else waiting.push(wait);
      }
    }
  }

  const clients = Array.from({ length: 6 }, (_, id) => client(id));
  await completedAtLeast(30);
  await publish([old.publicJwk, next.publicJwk]);
  await spec.server.reloadKeys();
  phase = 'old and new';
  await completedAtLeast(60);
  // While the reload runs, an old token's setup may land before or after the drop.
  phase = 'dropping';
  await publish([next.publicJwk]);
  await spec.server.reloadKeys();
  phase = 'old dropped';
  await completedAtLeast(60);
  stopped = true;
  await Promise.all(clients);

  const refusedOldAfterDrop = outcomes.filter(
    (o) => o.key === 'old' && o.phase === 'old dropped' && o.call === 'setup',
  );
  // Sent before the drop was done and answered after it began: either answer is right.
  const racingTheDrop = outcomes.filter(
    (o) =>
      o.key === 'old' &&
      o.call === 'setup' &&
      o.phase !== 'old dropped' &&
      (o.answeredIn === 'dropping' || o.answeredIn === 'old dropped'),
  );
  expect(racingTheDrop.every((o) => o.status === 200 || o.errorCode === 1002)).toBe(true);
  const others = outcomes.filter(
    (o) => !refusedOldAfterDrop.includes(o) && !racingTheDrop.includes(o),
  );
  expect(others.filter((o) => o.status !== 200)).toEqual([]);
  expect(refusedOldAfterDrop.length).toBeGreaterThan(0);
  expect(refusedOldAfterDrop.every((o) => o.status === 401 && o.errorCode === 1002)).toBe(true);
  // Both keys were in use during the rotation, and the new one after it.
  const ok = (key: Outcome['key'], inPhase: Outcome['phase']) =>
    others.filter((o) => o.call === 'setup' && o.key === key && o.phase === inPhase).length;
  expect(ok('old', 'old and new')).toBeGreaterThan(0);
  expect(ok('new', 'old and new')).toBeGreaterThan(0);
  expect(ok('new', 'old dropped')).toBeGreaterThan(0);
  expect(others.filter((o) => o.call === 'heartbeat').length).toBeGreaterThan(100);
});
