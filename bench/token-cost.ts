// What verifying a content token costs per algorithm: setup+teardown cycles per serving CPU-second
// of the reference server (memory store, one process) with HS256, ES256 and RS256 tokens, all in
// one run with the repetitions interleaved; and the verification alone, in µs per token, in this
// process for HS256 (node:crypto), RS256, PS256, ES256 and EdDSA (jose, keys prepared once).
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { mintContentToken } from '../packages/server/src/index.js';
import { contentTokenVerifier } from '../packages/server/src/tokens/content-token.js';
import { publicKeysOf } from '../packages/server/src/tokens/public-keys.js';
import { processCpuMicros } from './support/process-cpu.js';
import { type RawScenario, runRawLoad, sessionTokenIn } from './support/raw-http-client.js';
import { benchArgs, progress, writeResult } from './support/result.js';
import { type ServerProcess, startServerProcess } from './support/server-process.js';
import { type Spread, spread } from './support/stats.js';

const SECRET = 'bench-secret-of-at-least-thirty-two-bytes';
const args = benchArgs();
const REPS = args.quick ? 1 : 8;
const DURATION_S = args.quick ? 0.5 : 2.5;
const VERIFIES = args.quick ? 200 : 4000;
const CONNECTIONS = 32;

type Alg = 'HS256' | 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
const ALGS: Alg[] = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'];
const SERVED: Alg[] = ['HS256', 'ES256', 'RS256'];

const privateKeys = new Map<Alg, JWK>();
const publicKeys: JWK[] = [];
for (const alg of ALGS.filter((a) => a !== 'HS256')) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  privateKeys.set(alg, { ...(await exportJWK(privateKey)), kid: alg, alg });
  publicKeys.push({ ...(await exportJWK(publicKey)), kid: alg, alg });
}
const jwks = { keys: publicKeys };

function tokenOf(alg: Alg, accountId: string) {
  const signing =
    alg === 'HS256' ? { secret: SECRET } : { privateKey: privateKeys.get(alg) as JWK };
  return mintContentToken({ ...signing, accountId, contentId: 'channel', maxSessions: 3 });
}

// The verification alone: the server's verifier, as the calls use it.
const keys = publicKeysOf({ jwks }, Date.now);
await keys?.ready;
const verify = contentTokenVerifier({
  secret: SECRET,
  ...(keys && { publicKeys: keys }),
  clockSkewSeconds: 30,
});
const verifyMicros = new Map<Alg, number[]>();
progress('token verify: warm-up');
for (const alg of ALGS) {
  const token = await tokenOf(alg, 'verify');
  for (let i = 0; i < VERIFIES / 4; i++) await verify(token, Date.now());
}
for (let rep = 0; rep < REPS; rep++) {
  for (const alg of ALGS) {
    const tokens = await Promise.all(
      Array.from({ length: 16 }, (_, i) => tokenOf(alg, `verify-${i}`)),
    );
    const now = Date.now();
    const started = performance.now();
    for (let i = 0; i < VERIFIES; i++) await verify(tokens[i % tokens.length] as string, now);
    const micros = ((performance.now() - started) * 1000) / VERIFIES;
    verifyMicros.set(alg, [...(verifyMicros.get(alg) ?? []), micros]);
  }
}

// Setups against the server, as in the policy benchmark.
const server: ServerProcess = await startServerProcess({
  kind: 'memory',
  secret: SECRET,
  heartbeatSeconds: 60,
  jwks,
});
const host = new URL(server.origin).host;

function call(path: string, token: string, body: string): string {
  return (
    `POST /v1/sessions/${path} HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nnv-authorizations: ${token}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

function cycles(contentToken: string): RawScenario {
  let setupNext = true;
  return {
    next(_status, body) {
      const next = setupNext
        ? call('setup', contentToken, '{}')
        : call('teardown', sessionTokenIn(body) ?? 'no-session-token-answered', '{}');
      setupNext = !setupNext;
      return next;
    },
  };
}

interface Run {
  perCpuSecond: number;
  rate: number;
  failures: number;
}

let round = 0;
async function drive(alg: Alg): Promise<Run> {
  round += 1;
  const scenarios = await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, n) =>
      cycles(await tokenOf(alg, `tok-${round}-${n}`)),
    ),
  );
  const before = processCpuMicros(server.pid);
  const timed = await runRawLoad(server.origin, scenarios, DURATION_S);
  const micros = processCpuMicros(server.pid) - before;
  const done = timed.answers / 2;
  return {
    perCpuSecond: done / (micros / 1e6),
    rate: done / (timed.ms / 1000),
    failures: timed.non2xx + timed.errors,
  };
}

const runs = new Map<Alg, Run[]>();
progress('token setups: warm-up');
for (const alg of SERVED) await drive(alg);
for (let rep = 0; rep < REPS; rep++) {
  const order = SERVED.map((_, i) => SERVED[(i + rep) % SERVED.length] as Alg);
  for (const alg of order) {
    progress(`token setups ${rep + 1}/${REPS}: ${alg}`);
    runs.set(alg, [...(runs.get(alg) ?? []), await drive(alg)]);
  }
}
await server.stop();

const setups: Record<
  string,
  { alg: Alg; rate: Spread; perCpuSecond: Spread; toHs256: Spread; failures: number }
> = {};
const hs = runs.get('HS256') as Run[];
for (const alg of SERVED) {
  const list = runs.get(alg) as Run[];
  setups[alg] = {
    alg,
    rate: spread(list.map((r) => r.rate)),
    perCpuSecond: spread(list.map((r) => r.perCpuSecond)),
    // Setups per serving CPU-s as a ratio to HS256's in the same repetition.
    toHs256: spread(list.map((r, rep) => r.perCpuSecond / (hs[rep] as Run).perCpuSecond)),
    failures: list.reduce((sum, r) => sum + r.failures, 0),
  };
}
const verifies = Object.fromEntries(ALGS.map((alg) => [alg, spread(verifyMicros.get(alg) ?? [])]));
writeResult(args, {
  connections: CONNECTIONS,
  durationSeconds: DURATION_S,
  repetitions: REPS,
  verifiesPerRep: VERIFIES,
  setups,
  verifies,
});
process.exit(0);
