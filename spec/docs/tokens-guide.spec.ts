// docs/tokens.md: its Node example issues a token the server accepts, and the JSON Schema of the
// claims says what the server accepts: its example passes, and each thing it forbids is refused.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyContentToken } from '../../packages/server/src/index.js';
import { ssmCall } from '../support/ssm-http.js';
import { type SpecServer, startSpecServer } from '../support/ssm-server.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const guide = read('docs/tokens.md');
const examplePath = new URL('../../docs/examples/issue-content-token.mjs', import.meta.url);

let dir: string;
let spec: SpecServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rx-ssm-tokens-guide-'));
});
afterAll(async () => {
  await spec?.server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('docs/tokens.md', () => {
  it('shows the example that runs below, and is linked from both READMEs', () => {
    expect(guide).toContain(read('docs/examples/issue-content-token.mjs').trim());
    expect(read('README.md')).toContain('(docs/tokens.md)');
    expect(read('packages/server/README.md')).toContain('docs/tokens.md');
  });

  it.each(['ES256', 'RS256', 'EdDSA'])(
    'the backend example signs with an %s private key a token the server admits',
    async (alg) => {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const kid = `guide-${alg}`;
      const privateFile = join(dir, `${kid}.private.jwk`);
      await writeFile(privateFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg }));
      await spec?.server.close();
      spec = await startSpecServer({
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg }] },
        issuer: 'https://tokens.example.com',
        audience: 'rx-ssm',
      });
      // The example runs as a backend would run it: node, its own process, ended by the timeout at worst.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [examplePath.pathname, 'alice', 'channel-1'],
        { env: { ...process.env, PRIVATE_KEY_FILE: privateFile }, timeout: 20_000 },
      );
      const setup = await ssmCall(spec.base, 'setup', stdout.trim());
      expect(setup.status).toBe(200);
      // The same token with another audience is not for this server.
      const { stdout: other } = await promisify(execFile)(
        process.execPath,
        [examplePath.pathname, 'alice', 'channel-1'],
        {
          env: { ...process.env, PRIVATE_KEY_FILE: privateFile, TOKEN_AUDIENCE: 'cdn' },
          timeout: 20_000,
        },
      );
      expect(await ssmCall(spec.base, 'setup', other.trim())).toMatchObject({
        status: 401,
        body: { errorCode: 1002 },
      });
    },
  );
});

type Schema = Record<string, unknown> & {
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  minimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  dependentRequired?: Record<string, string[]>;
  then?: { required?: string[] };
};

const schema = JSON.parse(read('docs/content-token.schema.json')) as Schema & {
  examples: Record<string, unknown>[];
};
const SECRET = 'schema-secret-of-thirty-two-bytes!!';
const now = Date.UTC(2030, 0, 1, 0, 30);
const checks = { issuer: 'https://tokens.example.com', audience: 'rx-ssm' };

type Claims = Record<string, unknown>;
const clone = (value: Claims): Claims => structuredClone(value);

/** The value at `path` of `value`'s copy replaced by `change` (undefined deletes it). */
function changed(value: Claims, path: (string | number)[], change: (old: unknown) => unknown) {
  const copy = clone(value);
  let parent = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  const next = change(parent[last]);
  if (next === undefined) delete parent[last];
  else parent[last] = next;
  return copy;
}

/**
 * Every instance that breaks one rule of `node` at `path` (a required property missing, a wrong
 * type, a value out of range or outside its enum), with the rule's name. Booleans are not bent:
 * the server reads them leniently, as the schema's description says.
 */
function violations(node: Schema, value: Claims, path: (string | number)[]): [string, Claims][] {
  const at = path.join('.');
  const out: [string, Claims][] = [];
  const wrongType: Record<string, unknown> = {
    string: 5,
    number: 'soon',
    integer: 1.5,
    object: 'x',
    array: 'x',
  };
  if (node.type && node.type in wrongType && path.length > 0) {
    out.push([
      `${at}: not ${node.type}`,
      changed(value, path, () => wrongType[node.type as string]),
    ]);
  }
  if (node.enum) out.push([`${at}: outside its enum`, changed(value, path, () => 'other')]);
  if (node.minimum !== undefined) {
    out.push([
      `${at}: below ${node.minimum}`,
      changed(value, path, () => (node.minimum as number) - 1),
    ]);
  }
  if (node.minLength) out.push([`${at}: empty`, changed(value, path, () => '')]);
  if (node.maxLength) {
    out.push([
      `${at}: too long`,
      changed(value, path, () => 'a'.repeat((node.maxLength as number) + 1)),
    ]);
  }
  if (node.minItems) out.push([`${at}: empty list`, changed(value, path, () => [])]);
  const here = path.reduce<unknown>(
    (v, step) => (v as Record<string | number, unknown>)[step],
    value,
  );
  for (const name of [...(node.required ?? []), ...(node.then?.required ?? [])]) {
    out.push([`${at}.${name}: missing`, changed(value, [...path, name], () => undefined)]);
  }
  for (const [name, needs] of Object.entries(node.dependentRequired ?? {})) {
    for (const need of needs) {
      out.push([
        `${at}.${need}: missing with ${name}`,
        changed(value, [...path, need], () => undefined),
      ]);
    }
  }
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    if (here && typeof here === 'object' && name in here)
      out.push(...violations(child, value, [...path, name]));
  }
  if (node.items) out.push(...violations(node.items, value, [...path, 0]));
  return out;
}

const sign = (claims: Claims) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
const verdict = async (
  claims: Claims,
  withChecks: { issuer?: string; audience?: string } = checks,
) => {
  try {
    await verifyContentToken(await sign(claims), { secret: SECRET, ...withChecks }, now);
    return 'accepted';
  } catch (error) {
    return `refused ${(error as { errorCode?: number }).errorCode}`;
  }
};

describe('docs/content-token.schema.json against the server', () => {
  const [example = {}] = schema.examples;

  it('accepts the example, and the example with each claim it may leave out left out', async () => {
    expect(await verdict(example)).toBe('accepted');
    const optional = Object.keys(schema.properties ?? {}).filter(
      (name) => !schema.required?.includes(name),
    );
    for (const name of optional) {
      expect(
        await verdict(
          changed(example, [name], () => undefined),
          {},
        ),
        name,
      ).toBe('accepted');
    }
  });

  it('refuses each instance that breaks one rule of the schema', async () => {
    const cases = violations(schema, example, []);
    expect(cases.length).toBeGreaterThan(25);
    for (const [rule, claims] of cases) {
      expect(await verdict(claims), rule).toMatch(/^refused 100[12]$/);
    }
  });
});
