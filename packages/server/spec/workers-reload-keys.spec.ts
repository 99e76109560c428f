// `rx-ssm serve --workers N --jwks-file F`: a SIGHUP to the primary reaches every worker, so a key
// added to the file is trusted by all of them and a key dropped by none, whichever takes the call.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { killGroup } from '../../../spec/support/process-group.js';
import { freePort, type RedisProcess, startRedis } from '../../../spec/support/redis.js';
import { ssmCall } from '../../../spec/support/ssm-http.js';
import { mintContentToken } from '../src/index.js';

const BIN = fileURLToPath(new URL('../bin/rx-ssm.js', import.meta.url));

let redis: RedisProcess;
let dir: string;
let server: ChildProcess | undefined;
beforeAll(async () => {
  if (!existsSync(new URL('../dist/cli.js', import.meta.url))) {
    throw new Error('packages/server/dist is missing: run npm run build');
  }
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'rx-ssm-workers-keys-'));
});
afterAll(async () => {
  killGroup(server?.pid);
  redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function keyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  return {
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' } as JWK,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' } as JWK,
  };
}

it('a SIGHUP to the primary reloads the JWKS file in every worker', async () => {
  const [old, next] = await Promise.all([keyPair('old'), keyPair('new')]);
  const jwksFile = join(dir, 'jwks.json');
  const publish = (keys: JWK[]) => writeFile(jwksFile, JSON.stringify({ keys }));
  await publish([old.publicJwk]);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--log-format', 'json', '--port', String(port), '--workers', '2'].concat([
      '--redis',
      redis.url,
      '--jwks-file',
      jwksFile,
    ]),
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  server = child;
  const output = { out: '', err: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.err += chunk.toString()));
  await expect.poll(() => output.out, { timeout: 15_000 }).toMatch(/with 2 worker processes/);
  const reloads = () => output.err.split('SIGHUP: content token keys reloaded').length - 1;

  const base = `http://127.0.0.1:${port}/v1`;
  /** Setups of fresh accounts with tokens of `key`: their statuses, over connections of their own. */
  const setups = async (key: JWK) =>
    Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const token = await mintContentToken({
          privateKey: key,
          accountId: `acct-${Math.random()}-${i}`,
          contentId: 'c',
        });
        return (await ssmCall(base, 'setup', token)).status;
      }),
    );

  expect(new Set(await setups(old.privateJwk))).toEqual(new Set([200]));
  expect(new Set(await setups(next.privateJwk))).toEqual(new Set([401]));

  await publish([old.publicJwk, next.publicJwk]);
  child.kill('SIGHUP');
  await expect.poll(reloads, { timeout: 10_000 }).toBe(2);
  expect(new Set(await setups(next.privateJwk))).toEqual(new Set([200]));
  expect(new Set(await setups(old.privateJwk))).toEqual(new Set([200]));

  await publish([next.publicJwk]);
  child.kill('SIGHUP');
  await expect.poll(reloads, { timeout: 10_000 }).toBe(4);
  expect(new Set(await setups(old.privateJwk))).toEqual(new Set([401]));
  expect(new Set(await setups(next.privateJwk))).toEqual(new Set([200]));
  // The primary is still running its two workers: SIGHUP did not end it.
  expect(child.exitCode).toBe(null);
});
