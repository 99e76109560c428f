/** What {@link serveBanner} shows. */
export interface ServeBannerInput {
  url: string;
  /** An example content token; only given when the server verifies with the development secret. */
  token?: string;
  tokenHeader: string;
  accountId: string;
  contentId: string;
  maxSessions: number;
  ttlSeconds: number;
  /** The key sources and checks in force (never a key). */
  trust?: { sources: readonly string[]; checks: readonly string[] };
  /** What the `rx-ssm token` line mints with when no token is given; default the secret. */
  mintWith?: 'secret' | 'key';
}

/** Shell-quotes a value for a POSIX shell. */
function quoted(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The line that tells an app what to put in its sources: the SDK's `ssmServerUrl`. */
export function ssmServerUrlLine(url: string): string {
  return `ssmServerUrl for the SDK's sources: ${url}/ssm`;
}

/**
 * The text `rx-ssm serve` prints once listening: the curl commands for a whole session (setup,
 * heartbeat, teardown), ready to paste into a shell, with an example content token when one is
 * given, else the `rx-ssm token` command that mints one with the configured secret.
 */
export function serveBanner(input: ServeBannerInput): string {
  const { url, token, tokenHeader, accountId, contentId, maxSessions, ttlSeconds } = input;
  const post = (call: string, variable: string) =>
    `curl -s -X POST ${quoted(`${url}/ssm/v1/sessions/${call}`)} ` +
    `-H 'Content-Type: application/json' -H "${tokenHeader}: $${variable}" -d '{}'`;
  const sessionTokenOf = `node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).sessionToken'`;
  const signedBy =
    input.mintWith === 'key' ? '--key YOUR_PRIVATE_KEY.jwk' : '--secret-file YOUR_SECRET_FILE';
  const tokenLine =
    token === undefined
      ? `TOKEN=$(npx rx-ssm token --account ${quoted(accountId)} --content ${quoted(contentId)} ` +
        `--max-sessions ${maxSessions} --ttl ${ttlSeconds} ${signedBy})`
      : `TOKEN=${quoted(token)}`;
  const trust = input.trust
    ? [
        `Content tokens trusted from: ${input.trust.sources.join(', ')}`,
        `Checked: ${input.trust.checks.join(', ')}`,
      ]
    : [];
  return [
    `rx-ssm reference SSM server listening on ${url}`,
    ssmServerUrlLine(url),
    ...trust,
    '',
    token === undefined
      ? `Mint a content token with the server's ${input.mintWith === 'key' ? 'key' : 'secret'}: account "${accountId}", content ` +
        `"${contentId}", ${maxSessions} concurrent sessions, valid ${ttlSeconds} s.`
      : `Example content token (development secret): account "${accountId}", content ` +
        `"${contentId}", ${maxSessions} concurrent sessions, valid ${ttlSeconds} s.`,
    'Paste into a shell to run one session:',
    '',
    tokenLine,
    `SESSION=$(${post('setup', 'TOKEN')} | ${sessionTokenOf}); echo "setup: $SESSION"`,
    `SESSION=$(${post('heartbeat', 'SESSION')} | ${sessionTokenOf}); echo "heartbeat: $SESSION"`,
    `${post('teardown', 'SESSION')}; echo`,
    '',
    `Health: curl -s ${quoted(`${url}/healthz`)}    Metrics: curl -s ${quoted(`${url}/metrics`)}`,
    '',
  ].join('\n');
}
