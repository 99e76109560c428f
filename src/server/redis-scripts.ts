/**
 * The Lua scripts of the Redis store. Each runs atomically in Redis, which is what lets several
 * server processes share one limit. Layout: a hash per session (`a` account, `c` content, `n` 1
 * when counted, `e` expiry in ms, `d` 1 when renewed by licence requests) and, per account, a sorted set of its counted sessions scored
 * by expiry. Times come from the calling server's clock, never from Redis.
 *
 * Session keys are derived from data inside the scripts, so the store targets a single Redis
 * node, not a cluster.
 */

/** Removes the account's expired sessions. Needs `account` (key), `now`, `sessionPrefix`. */
const pruneAccount = `
local stale = redis.call('ZRANGEBYSCORE', account, '-inf', now)
for _, token in ipairs(stale) do
  redis.call('DEL', sessionPrefix .. token)
end
local expired = 0
if #stale > 0 then
  expired = redis.call('ZREMRANGEBYSCORE', account, '-inf', now)
end
`;

/** Keeps a key alive at least `ttl` ms from now. */
const extendTtl = `
local function extend(key, ttl)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
`;

/**
 * KEYS: account, session. ARGV: now, maxSessions, token, expiresAt, accountId, contentId,
 * counted ('1'|'0'), ttlMs, sessionPrefix, enforced ('1'|'0'). Returns {admitted (1|0), expired}.
 */
export const admitScript = `
local account, now, sessionPrefix = KEYS[1], tonumber(ARGV[1]), ARGV[9]
local ttl = tonumber(ARGV[8])
${extendTtl}
${pruneAccount}
if ARGV[7] == '1' then
  if redis.call('ZCARD', account) >= tonumber(ARGV[2]) then return {0, expired} end
  redis.call('ZADD', account, ARGV[4], ARGV[3])
  extend(account, ttl)
end
redis.call('HSET', KEYS[2], 'a', ARGV[5], 'c', ARGV[6], 'n', ARGV[7], 'e', ARGV[4], 'd', ARGV[10])
redis.call('PEXPIRE', KEYS[2], ttl)
return {1, expired}
`;

/**
 * Looks a session up and, by `mode`, leaves it (find), replaces its token (rotate) or deletes it
 * (remove). KEYS: session, next session (rotate only, else the same key). ARGV: now, mode, token,
 * nextToken, nextExpiresAt, ttlMs, accountPrefix. Returns {0} unknown, {-1} expired (now removed),
 * or {1, accountId, contentId, counted, expiresAt, enforced} as it was before the call.
 */
export const sessionScript = `
local now, mode, token = tonumber(ARGV[1]), ARGV[2], ARGV[3]
${extendTtl}
local s = redis.call('HMGET', KEYS[1], 'a', 'c', 'n', 'e', 'd')
if not s[1] then return {0} end
local account = ARGV[7] .. s[1]
if tonumber(s[4]) <= now then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', account, token)
  return {-1}
end
if mode == 'rotate' then
  local ttl = tonumber(ARGV[6])
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'a', s[1], 'c', s[2], 'n', s[3], 'e', ARGV[5], 'd', s[5] or '0')
  redis.call('PEXPIRE', KEYS[2], ttl)
  if s[3] == '1' then
    redis.call('ZREM', account, token)
    redis.call('ZADD', account, ARGV[5], ARGV[4])
    extend(account, ttl)
  end
elseif mode == 'remove' then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', account, token)
end
return {1, s[1], s[2], s[3], s[4], s[5] or '0'}
`;

/**
 * Removes the expired sessions among KEYS (session keys) and reports the rest as live.
 * ARGV: now, accountPrefix, sessionPrefix. Returns {expired, live}.
 */
export const sweepSessionsScript = `
local now, accountPrefix, sessionPrefix = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local expired, live = 0, 0
for _, key in ipairs(KEYS) do
  local s = redis.call('HMGET', key, 'a', 'e')
  if s[1] then
    if tonumber(s[2]) <= now then
      redis.call('DEL', key)
      redis.call('ZREM', accountPrefix .. s[1], string.sub(key, #sessionPrefix + 1))
      expired = expired + 1
    else
      live = live + 1
    end
  end
end
return {expired, live}
`;

/**
 * Removes the expired members of one account whose session hashes Redis already dropped.
 * KEYS: account. ARGV: now, sessionPrefix. Returns the number removed.
 */
export const sweepAccountScript = `
local account, now, sessionPrefix = KEYS[1], tonumber(ARGV[1]), ARGV[2]
${pruneAccount}
return expired
`;
