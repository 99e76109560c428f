import { SESSION_KEY_LENGTH } from '../../tokens/session-token.js';

/**
 * The Lua scripts of the Redis store. Each runs atomically in Redis, which is what lets several
 * server processes share one limit. Layout:
 *
 * - a hash per session, under its member (see `memberOf`): `v` its token, `a` account, `c`
 *   content, `n` 1 when counted, `e` expiry in ms, `d` 1 when renewed by licence requests
 *   (absent: 0); what the account's listing shows of it: `i` its public session id, `g` its
 *   content group, `h` its device hash, `m` device name, `y` device type, `t` set up at, `w` last
 *   renewed at (absent until the first renewal: `t`), in ms,
 *   `o` its place in the account's setups; `r` the route of its account's keys (absent in a
 *   session stored before it was kept: the scripts then compute it); `k` until when (ms) its keys
 *   (the hash, the expiry index, the account's sessions) surely live; and, while its last renewal
 *   may be repeated,
 *   `p` the token that renewal replaced, `q` until when (ms) and `b` by what;
 * - per account, a counter of its counted setups, which orders them: two setups in one ms are
 *   still told apart, whichever server ran them. It lives as long as the account's sessions (a
 *   renewal that extends their key extends it too): one that expired under live sessions would
 *   start again at 1, and the next setup would sort as the account's oldest;
 * - per session stopped or evicted, a hash under its last token (`r` why: `stopped` or
 *   `evicted`, `u` until when: the session's expiry), its key TTL twice what was left of it;
 * - per account, a sorted set of its counted sessions' members scored by expiry;
 * - one sorted set of every session's member scored by expiry (the expiry index), which decides what has
 *   expired and lets the sweep and the live count cost what expired, not what is stored;
 * - per renewal that moved its session to another member, a string kept under the replaced
 *   token: when it is kept until (ms), by what (`heartbeat` or `licence`) and the next token,
 *   `|` between them;
 * - per setup with an idempotency key, a string: when it is kept until (ms), `|`, and the session
 *   token.
 *
 * The records of one renewal and of one setup are one string each (one command to write and one
 * to read, with its key's TTL), under kinds of key of their own (`n`, `q`).
 *
 * The scripts read a number from a string by arithmetic (`ARGV[1] + 0`), not with `tonumber`,
 * which in Redis's Lua (5.1) parses the string twice, once to check it and once to convert it;
 * `tonumber` only where the string may be blank (a limit that is not set).
 *
 * Expiry times come from the calling server's clock, never from Redis. Key TTLs are twice the
 * session's lifetime: they only clean up after servers that stopped, so the sweep, not Redis,
 * notices each expiry and counts it.
 *
 * Every script first compares Redis's `TIME` with the caller's deadline (wall-clock ms) and
 * changes nothing past it (reply `-2`): a call the server already answered 503 because Redis
 * stalled must not take effect when Redis resumes. This assumes the server's and Redis's wall
 * clocks agree to within the safety margin the store subtracts from its deadline (one host, or
 * NTP-synchronised hosts). Scripts that call `TIME` and then write need effects replication, the
 * default since Redis 5.
 *
 * Keys carry a Redis Cluster hash tag, the route: a session's keys (its hash, its renewal
 * record, the expiry index it is in) the route its token starts with; an account's keys (its
 * sessions, its setup records) the route of its id, the first two hex digits of its SHA-1, which
 * a session's hash keeps (`r`) from its setup on: `redis.sha1hex` cost a renewal or a teardown
 * more than reading one more field. Session tokens are minted with their account's route, so
 * every key a script touches is in one slot: the scripts run unchanged on one Redis node and on
 * a Redis Cluster.
 */

/**
 * `accountKey(prefix, accountId, route, kind)`: the key of an account's sessions (kind `a`, the
 * default) or of its setup counter (`o`), from `ARGV`'s key prefix and the route its session's
 * hash keeps (nil or false for a session stored before: computed).
 */
const accountKey = `
local function accountKey(prefix, accountId, route, kind)
  return prefix .. '{' .. (route or string.sub(redis.sha1hex(accountId), 1, 2)) .. '}' .. (kind or 'a') .. ':' .. accountId
end
`;

/** `late(deadline)`: true once Redis's wall clock (ms) is past `deadline`. */
const late = `
local function late(deadline)
  local t = redis.call('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000) > deadline
end
`;

/**
 * Keeps a key alive at least `ttl` ms from now: a key just made gets `ttl`, a key with less left
 * twice that, so the keys every call touches (the expiry index, the account's sessions) are
 * extended once in a while, not at each call.
 */
const extendTtl = `
local function extend(key, ttl)
  local left = redis.call('PTTL', key)
  if left < ttl then redis.call('PEXPIRE', key, left < 0 and ttl or ttl * 2) end
end
`;

/**
 * `routed(prefix, token, kind)`: a token's key of one kind (`s` session, `x` ended, `n` renewal
 * record, `i` index);
 * of kind `s`, the token is the session's member (see `memberOf`).
 */
const routed = `
local function routed(prefix, token, kind)
  return prefix .. '{' .. string.sub(token, 1, 2) .. '}' .. kind .. (kind == 'i' and '' or ':' .. token)
end
`;

/**
 * `memberOf(token)`: what names a session in the sets and keys its hash, the first
 * ${SESSION_KEY_LENGTH} characters of its tokens (its route and 132 random bits), which its
 * renewals keep: so a renewal changes the hash in place. A session stored before sessions had
 * members is under its whole token until its first renewal moves it.
 */
const memberOf = `
local function memberOf(token) return string.sub(token, 1, ${SESSION_KEY_LENGTH}) end
`;

/**
 * Removes the account's expired sessions and counts them (as they leave their expiry index).
 * Needs `account`, `now` (and `ARGV[1]`, now as it was sent: Redis is given it as it came, not
 * a number it would format again), `prefix`, `routed`; sets `expired`.
 */
const pruneAccount = `
local expired = 0
local stale = redis.call('ZRANGEBYSCORE', account, '-inf', ARGV[1])
for _, member in ipairs(stale) do
  redis.call('DEL', routed(prefix, member, 's'))
  expired = expired + redis.call('ZREM', routed(prefix, member, 'i'), member)
end
if #stale > 0 then redis.call('ZREMRANGEBYSCORE', account, '-inf', ARGV[1]) end
`;

/**
 * The account's live counted sessions, least recently set up first (by `o`, the account's setup
 * counter when it was admitted), each `{member, token, e, c, i, g, h, o, t}` with what the rules weigh
 * of the session hash ('' when absent); `held(s)` is one as a reply lists it (its name and type
 * '=' and the value when present, '' when absent), read before the session is ended;
 * `finish(s, reason)` ends one on purpose and keeps why under its token until its expiry. Needs `account`,
 * `now`, `prefix`, `routed`.
 */
const heldSessions = `
local function heldSessions()
  local all = redis.call('ZRANGE', account, 0, -1, 'WITHSCORES')
  local live = {}
  for n = 1, #all, 2 do
    local f = redis.call('HMGET', routed(prefix, all[n], 's'), 'c', 'i', 'g', 'h', 'o', 't', 'v')
    if f[1] then
      live[#live + 1] = {
        member = all[n], token = f[7] or all[n], e = all[n + 1] + 0, c = f[1],
        i = f[2] or '', g = f[3] or '', h = f[4] or '', o = (f[5] or 0) + 0,
        t = (f[6] or 0) + 0
      }
    end
  end
  if #live > 1 then
    table.sort(live, function(x, y)
      if x.o ~= y.o then return x.o < y.o end
      return x.t < y.t
    end)
  end
  return live
end
-- What a reply lists of a session; its name, type and times are read only for a reply.
local function held(s)
  local f = redis.call('HMGET', routed(prefix, s.member, 's'), 'm', 'y', 't', 'w')
  local name, type = f[1] and ('=' .. f[1]) or '', f[2] and ('=' .. f[2]) or ''
  return {s.i, s.c, s.g, s.h, name, type, f[3] or '0', f[4] or f[3] or '0'}
end
local function finish(s, reason)
  local session = routed(prefix, s.member, 's')
  -- The token the last renewal replaced is told too, for a repeat of a renewal whose answer was lost.
  local replaced = redis.call('HGET', session, 'p')
  redis.call('DEL', session)
  redis.call('ZREM', account, s.member)
  redis.call('ZREM', routed(prefix, s.member, 'i'), s.member)
  local left = s.e - now
  if left <= 0 then return end
  for _, token in ipairs({s.token, replaced or nil}) do
    local ended = routed(prefix, token, 'x')
    redis.call('HSET', ended, 'r', reason, 'u', s.e)
    redis.call('PEXPIRE', ended, left * 2)
  end
end
`;

/**
 * The concurrency policy, as `limit-decision.ts` decides it. `decide(live)` answers
 * `rule, holders` for the first rule the new session breaks (nil when none), then
 * `evictions(live)` the sessions `evict-oldest` ends, or `rule, holders` when it refuses. Needs
 * ARGV of the admission script.
 */
const limitDecision = `
local maxSessions = ARGV[2] + 0
local maxDevices, maxPerContent, maxPerGroup = tonumber(ARGV[18]), tonumber(ARGV[19]), tonumber(ARGV[20])
local wantedContent, wantedGroup, wantedDevice = ARGV[6], opt(14), opt(15)
local function deviceOf(s) if s.h ~= '' then return s.h end return 'session:' .. s.i end
local function sameAs(live, field, value)
  local same = {}
  for _, s in ipairs(live) do if s[field] == value then same[#same + 1] = s end end
  return same
end
local function decide(live)
  if #live >= maxSessions then return 'maxSessions', live end
  if maxDevices then
    local seen, devices = {}, 0
    for _, s in ipairs(live) do
      local d = deviceOf(s)
      if not seen[d] then seen[d] = true; devices = devices + 1 end
    end
    if not (wantedDevice ~= '' and seen[wantedDevice]) and devices >= maxDevices then
      return 'maxDevices', live
    end
  end
  if maxPerContent then
    local same = sameAs(live, 'c', wantedContent)
    if #same >= maxPerContent then return 'maxSessionsPerContent', same end
  end
  if maxPerGroup and wantedGroup ~= '' then
    local same = sameAs(live, 'g', wantedGroup)
    if #same >= maxPerGroup then return 'maxSessionsPerGroup', same end
  end
  return nil
end
local function evictions(live)
  local evict = {}
  while true do
    local rule, holders = decide(live)
    if not rule then return nil, evict end
    if ARGV[21] ~= 'evict-oldest' or #holders == 0 then return rule, holders end
    local oldest = holders[1]
    evict[#evict + 1] = oldest
    local rest = {}
    for _, s in ipairs(live) do if s ~= oldest then rest[#rest + 1] = s end end
    live = rest
  end
end
`;

/**
 * KEYS: account, session, expiry index, the account's setup counter, and the setup record when
 * the setup has an idempotency key. ARGV: now, maxSessions, token, expiresAt, accountId,
 * contentId, counted ('1'|'0'), key prefix, enforced ('1'|'0'), deadline, replayMs, keyed ('1'
 * when the setup has an idempotency key), then what may be absent ('' or left off at the end,
 * so the usual setup sends none of it): sessionId, content group, device hash, device name,
 * device type (name and type '=' and the value when present), maxDevices,
 * maxSessionsPerContent, maxSessionsPerGroup, onLimit ('evict-oldest', or absent for deny),
 * policy ('1' when any limit beyond maxSessions or eviction applies). Returns {-2} past the deadline, {1, expired, evicted} admitted, {0,
 * expired, rule, holders} refused, {2, expired, token, sessionId} the session an earlier setup
 * with the same key admitted; each session of `evicted` and `holders` as `held` lists it.
 */
export const admitScript = `
local account, session, index, setup = KEYS[1], KEYS[2], KEYS[3], KEYS[5]
local now, prefix = ARGV[1] + 0, ARGV[8]
-- Keys outlive their session by a lifetime (the sweep, not Redis, notices the expiry).
local ttl = math.max(1, ARGV[4] - now) * 2
-- An argument that may be left off: ''.
local function opt(n) return ARGV[n] or '' end
${late}
${routed}
${memberOf}
if late(ARGV[10] + 0) then return {-2} end
${extendTtl}
${pruneAccount}
${heldSessions}
local keyed, replayMs = ARGV[12] == '1', ARGV[11] + 0
if keyed then
  local keptUntil, token = string.match(redis.call('GET', setup) or '', '^(%d+)|(.+)$')
  if keptUntil and keptUntil + 0 > now then
    local first = redis.call('HMGET', routed(prefix, memberOf(token), 's'), 'c', 'e', 'i', 'v')
    if first[1] == ARGV[6] and first[2] + 0 > now and first[4] == token then
      return {2, expired, token, first[3] or ''}
    end
  end
end
local evicted = {}
if ARGV[7] == '1' then
  -- maxSessions alone, with room: no session needs reading.
  if ARGV[22] == '1' or redis.call('ZCARD', account) >= ARGV[2] + 0 then
${limitDecision}
    local rule, chosen = evictions(heldSessions())
    if rule then
      local holders = {}
      for _, s in ipairs(chosen) do holders[#holders + 1] = held(s) end
      return {0, expired, rule, holders}
    end
    for _, s in ipairs(chosen) do
      evicted[#evicted + 1] = held(s)
      finish(s, 'evicted')
    end
  end
  redis.call('ZADD', account, ARGV[4], memberOf(ARGV[3]))
  extend(account, ttl)
end
-- One HSET with every field the session has; those at their readers' defaults are left out: \`d\` '0' (not enforced), \`w\` the start.
-- \`r\` is the route in the account's key: \`prefix{route}a:accountId\`.
local fields = {'a', ARGV[5], 'c', ARGV[6], 'n', ARGV[7], 'e', ARGV[4], 'i', opt(13),
  't', ARGV[1], 'v', ARGV[3], 'k', now + ttl, 'r', string.sub(account, #prefix + 2, #prefix + 3)}
local function field(name, value)
  fields[#fields + 1] = name
  fields[#fields + 1] = value
end
if ARGV[9] == '1' then field('d', '1') end
if ARGV[7] == '1' then
  field('o', redis.call('INCR', KEYS[4]))
  extend(KEYS[4], ttl)
end
if opt(14) ~= '' then field('g', ARGV[14]) end
if opt(15) ~= '' then field('h', ARGV[15]) end
if opt(16) ~= '' then field('m', string.sub(ARGV[16], 2)) end
if opt(17) ~= '' then field('y', string.sub(ARGV[17], 2)) end
redis.call('HSET', session, unpack(fields))
redis.call('PEXPIRE', session, ttl)
redis.call('ZADD', index, ARGV[4], memberOf(ARGV[3]))
extend(index, ttl)
if keyed and replayMs > 0 then
  redis.call('SET', setup, (now + replayMs) .. '|' .. ARGV[3], 'PX', replayMs * 2)
end
return {1, expired, evicted}
`;

/**
 * Looks a session up and, by `mode`, leaves it (find), replaces its token (rotate) or deletes it
 * (remove). KEYS: the session's hash (under its member), expiry index, and for a rotation whose
 * next token has another member, the next token's hash (the server's renewals keep the member).
 * The token's other keys (the record of a renewal that moved the session, the record of why its
 * session ended) are in the same slot, found from the token. ARGV: now, mode, token, key prefix,
 * deadline, and for a rotation: nextToken (the token itself for a renewal that keeps it),
 * nextExpiresAt, by ('heartbeat'|'licence'|'' for a bare rotation), replayUntil (ms: until when
 * the renewal may be repeated, now or earlier when it may not), then owner account
 * and owner content when there is an owner. Returns, with the session fields
 * `accountId, contentId, counted, expiresAt, enforced`:
 * {-2} past the deadline, {0} unknown, {-1, expired} expired (now removed),
 * {1, …fields} found (as it was before the call), {2, …fields, nextToken} the answer of the
 * renewal that replaced the token, repeated, {3, …fields} not the owner's, {4, …fields} renewed
 * by the other kind of call, {5, reason} the token of a session stopped or evicted (a remove
 * forgets it).
 *
 * A renewal that keeps the member (every renewal the server makes) is `HSET`s on the hash and a
 * new score in each set; one that does not (a store's caller may choose any next token) moves
 * the hash and the members, and keeps what a repeat needs in a record of its own.
 *
 * Each value that crosses into or out of Lua (an argument, a field read, a reply) costs Redis
 * about as much as a small command, so the common renewal reads and sends no more than it uses.
 */
export const sessionScript = `
local now, mode, token, prefix = ARGV[1] + 0, ARGV[2], ARGV[3], ARGV[4]
-- \`replayUntil\` is written as it came (\`q\`): a number handed from Lua to Redis is formatted
-- again, at a cost of its own.
local index, by, replayUntil = KEYS[2], ARGV[8] or '', (ARGV[9] or 0) + 0
${late}
if late(ARGV[5] + 0) then return {-2} end
${routed}
${accountKey}
${memberOf}
${extendTtl}
local function owned(accountId, contentId)
  return (ARGV[10] or '') == '' or (accountId == ARGV[10] and contentId == ARGV[11])
end
local key, member = KEYS[1], memberOf(token)
local s = redis.call('HMGET', key, 'a', 'c', 'n', 'e', 'd', 'v', 'k', 'r')
if s[1] and s[6] ~= token then
  -- The session under this member has another token: is this a repeat of its last renewal?
  if mode == 'rotate' and by ~= '' and s[4] + 0 > now and owned(s[1], s[2]) then
    local last = redis.call('HMGET', key, 'p', 'q', 'b')
    if last[1] == token and (last[2] or 0) + 0 > now and last[3] == by then
      return {2, s[1], s[2], s[3], s[4], s[5] or '0', s[6]}
    end
  end
  s = {}
elseif not s[1] then
  -- A session stored under its whole token, from before members: its next renewal moves it.
  local whole = routed(prefix, token, 's')
  local old = redis.call('HMGET', whole, 'a', 'c', 'n', 'e', 'd')
  if old[1] then key, member, s = whole, token, old end
end
if not s[1] then
  if mode == 'rotate' and by ~= '' then
    local record = redis.call('GET', routed(prefix, token, 'n'))
    local keptUntil, keptBy, next = string.match(record or '', '^(%d+)|(%a+)|(.+)$')
    if keptUntil and keptUntil + 0 > now and keptBy == by then
      local n = redis.call('HMGET', routed(prefix, memberOf(next), 's'), 'a', 'c', 'n', 'e', 'd', 'v')
      if n[1] and n[6] == next and n[4] + 0 > now and owned(n[1], n[2]) then
        return {2, n[1], n[2], n[3], n[4], n[5] or '0', next}
      end
    end
  end
  if mode ~= 'find' then
    local endedKey = routed(prefix, token, 'x')
    local ended = redis.call('HMGET', endedKey, 'r', 'u')
    if ended[1] and ended[2] + 0 > now then
      if mode == 'remove' then redis.call('DEL', endedKey) end
      return {5, ended[1]}
    end
  end
  return {0}
end
local account = accountKey(prefix, s[1], s[8])
if s[4] + 0 <= now then
  redis.call('DEL', key)
  redis.call('ZREM', account, member)
  return {-1, redis.call('ZREM', index, member)}
end
local enforced = s[5] or '0'
if mode == 'rotate' then
  if by ~= '' then
    if not owned(s[1], s[2]) then return {3, s[1], s[2], s[3], s[4], enforced} end
    if (s[5] == '1') ~= (by == 'licence') then return {4, s[1], s[2], s[3], s[4], enforced} end
  end
  local next, expiresAt = ARGV[6], ARGV[7]
  -- Keys outlive their session by a lifetime (the sweep, not Redis, notices the expiry).
  local ttl = math.max(1, expiresAt - now) * 2
  local nextKey = KEYS[3] or KEYS[1]
  -- Its keys must outlive the new expiry by a lifetime (\`ttl\` from now); \`k\` says until when
  -- they surely do. Only when that is too short are they extended, to twice that: about one
  -- renewal in four, not each one.
  local due = (s[7] or 0) + 0 < now + ttl
  -- A renewal that keeps its token (the stable licence policy) leaves nothing to repeat.
  local replays = by ~= '' and replayUntil > now and next ~= token
  local nextMember = memberOf(next)
  local moved = nextMember ~= member
  -- The session's other fields (its id, device, start) move with it.
  if moved then redis.call('RENAME', key, nextKey) end
  -- One HSET of what changed; the common renewal (replays, not due) in one call, no table.
  if replays and not due then
    redis.call('HSET', nextKey, 'v', next, 'e', expiresAt, 'w', ARGV[1], 'p', token, 'q', ARGV[9], 'b', by)
  else
    local set = {'v', next, 'e', expiresAt, 'w', ARGV[1]}
    if due then set[#set + 1] = 'k'; set[#set + 1] = now + ttl * 2 end
    if replays then
      set[#set + 1] = 'p'; set[#set + 1] = token
      set[#set + 1] = 'q'; set[#set + 1] = ARGV[9]
      set[#set + 1] = 'b'; set[#set + 1] = by
    end
    redis.call('HSET', nextKey, unpack(set))
  end
  -- A renewal with nothing to repeat forgets the last one's (HDEL of absent fields writes nothing).
  if not replays then redis.call('HDEL', nextKey, 'p', 'q', 'b') end
  if due then redis.call('PEXPIRE', nextKey, ttl * 2) end
  -- Added before the old member leaves, so the set is never empty in between: Redis would
  -- delete it, and its TTL with it.
  redis.call('ZADD', index, expiresAt, nextMember)
  if moved then redis.call('ZREM', index, member) end
  if due then extend(index, ttl * 2) end
  if s[3] == '1' then
    redis.call('ZADD', account, expiresAt, nextMember)
    if moved then redis.call('ZREM', account, member) end
    if due then
      extend(account, ttl * 2)
      extend(accountKey(prefix, s[1], s[8], 'o'), ttl * 2)
    end
  end
  if replays and moved then
    redis.call('SET', routed(prefix, token, 'n'), ARGV[9] .. '|' .. by .. '|' .. next, 'PX', (replayUntil - now) * 2)
  end
elseif mode == 'remove' then
  redis.call('DEL', key)
  redis.call('ZREM', account, member)
  redis.call('ZREM', index, member)
end
return {1, s[1], s[2], s[3], s[4], enforced}
`;

/**
 * The account's live counted sessions. KEYS: account. ARGV: now, key prefix, deadline. Returns
 * {-2} past the deadline, or {expired, sessions}, each session as `held` lists it.
 */
export const listScript = `
local account, now, prefix = KEYS[1], ARGV[1] + 0, ARGV[2]
${late}
if late(ARGV[3] + 0) then return {-2} end
${routed}
${pruneAccount}
${heldSessions}
local sessions = {}
for _, s in ipairs(heldSessions()) do sessions[#sessions + 1] = held(s) end
return {expired, sessions}
`;

/**
 * Stops the account's live counted session of a session id. KEYS: account. ARGV: now, key
 * prefix, deadline, sessionId. Returns {-2} past the deadline, {1, expired, session} stopped
 * (as `held` lists it), {0, expired} no such live session of the account.
 */
export const stopScript = `
local account, now, prefix = KEYS[1], ARGV[1] + 0, ARGV[2]
${late}
if late(ARGV[3] + 0) then return {-2} end
${routed}
${pruneAccount}
${heldSessions}
for _, s in ipairs(heldSessions()) do
  if s.i == ARGV[4] then
    local stopped = held(s)
    finish(s, 'stopped')
    return {1, expired, stopped}
  end
end
return {0, expired}
`;

/**
 * Removes up to `batch` expired sessions of one route, found through its expiry index. KEYS:
 * expiry index. ARGV: now, key prefix, (unused), batch, deadline. Returns {-2} past the deadline,
 * or {expired, live} of that route.
 */
export const sweepScript = `
local index, prefix = KEYS[1], ARGV[2]
${late}
if late(ARGV[5] + 0) then return {-2} end
${routed}
${accountKey}
local due = redis.call('ZRANGEBYSCORE', index, '-inf', ARGV[1], 'LIMIT', 0, ARGV[4])
for _, token in ipairs(due) do
  local session = routed(prefix, token, 's')
  local owner = redis.call('HMGET', session, 'a', 'r')
  redis.call('DEL', session)
  if owner[1] then redis.call('ZREM', accountKey(prefix, owner[1], owner[2]), token) end
  redis.call('ZREM', index, token)
end
return {#due, redis.call('ZCOUNT', index, '(' .. ARGV[1], '+inf')}
`;
