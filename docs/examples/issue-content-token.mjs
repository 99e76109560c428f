// A token service's side: sign a content token for one account and one content with the
// private key, for an rx-ssm server that trusts the public key (--jwks-file or --jwks-url).
// Run: PRIVATE_KEY_FILE=keys/KID.private.jwk node issue-content-token.mjs alice channel-1
import { readFileSync } from 'node:fs';
import { importJWK, SignJWT } from 'jose';

const privateJwk = JSON.parse(readFileSync(process.env.PRIVATE_KEY_FILE, 'utf8'));
const key = await importJWK(privateJwk, privateJwk.alg);
const [accountId, contentId] = process.argv.slice(2);

const token = await new SignJWT({
  typ: 'ContentAuthZ',
  ver: '1.0',
  device: { accountId },
  contentRights: [
    {
      contentId,
      sessionControl: { sessionControlEnabled: true, maxSessions: 2, onLimit: 'deny' },
    },
  ],
})
  .setProtectedHeader({ alg: privateJwk.alg, kid: privateJwk.kid, typ: 'JWT' })
  .setIssuer(process.env.TOKEN_ISSUER ?? 'https://tokens.example.com')
  .setAudience(process.env.TOKEN_AUDIENCE ?? 'rx-ssm')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(key);

process.stdout.write(`${token}\n`);
