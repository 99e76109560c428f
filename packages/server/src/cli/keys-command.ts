import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** The algorithms `keys generate` makes keys for. */
const GENERATED_ALGORITHMS = ['ES256', 'RS256', 'EdDSA'] as const;

interface GenerateOptions {
  alg: (typeof GENERATED_ALGORITHMS)[number];
  out: string;
}

/** The public keys already in `DIR/jwks.json`, or none when there is no such file yet. */
async function publishedKeys(file: string): Promise<JWK[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`--out: ${file}: ${(error as Error).message}`);
  }
  try {
    const { keys } = JSON.parse(text) as { keys?: unknown };
    if (Array.isArray(keys)) return keys as JWK[];
  } catch {
    // answered below
  }
  throw new Error(`--out: ${file} is there but is not a JWKS; move it away or pick another --out`);
}

/**
 * Makes a key pair: the private JWK to `DIR/KID.private.jwk` (mode 600, never overwritten) for
 * the token service, and its public key added to `DIR/jwks.json` (mode 644) for the SSM servers.
 * The `kid` is the key's RFC 7638 thumbprint. Keys already in the JWKS stay: that is a rotation.
 */
async function generate(options: GenerateOptions, out: { write(text: string): unknown }) {
  const { alg } = options;
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwksFile = join(options.out, 'jwks.json');
  const keys = await publishedKeys(jwksFile);
  await mkdir(options.out, { recursive: true, mode: 0o700 });
  const privateFile = join(options.out, `${kid}.private.jwk`);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  await writeFile(privateFile, `${JSON.stringify(privateJwk, null, 2)}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  const jwks = { keys: [...keys, { ...publicJwk, kid, alg, use: 'sig' }] };
  await writeFile(jwksFile, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o644 });
  await chmod(jwksFile, 0o644);
  out.write(
    [
      `kid ${kid} (${alg})`,
      `private key (keep it in the token service only): ${privateFile}`,
      `public keys (give them to rx-ssm serve --jwks-file, or publish at a --jwks-url): ${jwksFile}` +
        (keys.length > 0
          ? ` (${keys.length + 1} keys: drop the old one once its tokens expire)`
          : ''),
      `mint a token: rx-ssm token --key ${privateFile} --account ACCOUNT --content CONTENT`,
      '',
    ].join('\n'),
  );
}

/** `rx-ssm keys generate --alg ES256|RS256|EdDSA --out DIR`, on `keys` (made by the root, whose settings it takes). */
export function keysCommand(keys: Command, out: { write(text: string): unknown }): Command {
  keys.description(
    'Signing keys for content tokens signed with a private key (RS256, ES256, EdDSA)',
  );
  keys
    .command('generate')
    .description(
      'Write a new private JWK (DIR/KID.private.jwk, for `rx-ssm token --key` or your token ' +
        'service) and add its public key to DIR/jwks.json (for `rx-ssm serve --jwks-file`)',
    )
    .addOption(
      new Option('--alg <alg>', 'signature algorithm of the key')
        .choices(GENERATED_ALGORITHMS)
        .default('ES256'),
    )
    .requiredOption('--out <dir>', 'directory for the keys, created when missing (required)')
    .action((options: GenerateOptions) => generate(options, out));
  return keys;
}
