/**
 * The Lua scripts that make each Redis step atomic. CONSUME_LUA runs the rules of
 * algorithm.ts and decide.ts (roll, fit, all-or-nothing) over every item of a request in
 * one script; the contract suite holds it to the same answers as the other stores.
 */
import { ALGORITHM } from './definition.js';

/** Redis key names (under the store's prefix). Quota names never contain ':'. */
export const redisKeys = {
  state: (quota: { name: string; code: number }, subject: string) =>
    `quota:${quota.code === ALGORITHM.concurrency ? 'l' : 's'}:${quota.name}:${subject}`,
  overrides: (organization: string) => `quota:o:${organization}`,
  history: (organization: string, day: string) => `quota:h:${organization}:${day}`,
  request: (id: string) => `quota:r:${id}`,
  requestIndex: 'quota:r:index',
};

/** Arguments per item after ARGV[1] now and ARGV[2] n. */
export const CONSUME_STRIDE = 12;

/**
 * KEYS per item i: 3i-2 state (hash s,u,p; a zset of leases for concurrency), 3i-1 the
 * organization's override hash, 3i the organization's history hash for the day.
 * ARGV per item: code, name, default limit, weight, mode (a|s), hard (1|0), calendar window
 * start, rolling window ms, burst (0: the limit), lease id, lease expiry, state TTL ms (0: none).
 * Returns {admitted, then per item: limit, start, used, prev, before, fits}.
 */
export const CONSUME_LUA = `
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local lim, st, us, pv, cur, ok, fresh = {}, {}, {}, {}, {}, {}, {}
local admitted = true
for i = 1, n do
  local b = 2 + (i - 1) * ${CONSUME_STRIDE}
  local code = tonumber(ARGV[b + 1])
  local l = tonumber(redis.call('HGET', KEYS[3 * i - 1], ARGV[b + 2]) or ARGV[b + 3])
  local w = tonumber(ARGV[b + 8])
  local s, u, p = 0, 0, 0
  -- a calendar key's expiry is set once per window (when it starts); the others slide
  fresh[i] = code ~= 1
  if code == 5 then
    redis.call('ZREMRANGEBYSCORE', KEYS[3 * i - 2], '-inf', now)
    u = redis.call('ZCARD', KEYS[3 * i - 2])
  else
    local h = redis.call('HMGET', KEYS[3 * i - 2], 's', 'u', 'p')
    s = tonumber(h[1]) or 0
    u = tonumber(h[2]) or 0
    p = tonumber(h[3]) or 0
    if code == 1 then
      local ws = tonumber(ARGV[b + 7])
      if s < ws then s = ws; u = 0; p = 0; fresh[i] = true end
    elseif code == 2 then
      local bucket = now - (now % w)
      if s == bucket - w then p = u; u = 0; s = bucket
      elseif s < bucket - w then p = 0; u = 0; s = bucket end
    elseif code == 3 then
      if now > s then u = math.max(0, u - (now - s) * l / w); s = now end
    end
  end
  local c = u
  if code == 2 then
    local f = (now - s) / w
    if f < 0 then f = 0 elseif f > 1 then f = 1 end
    c = p * (1 - f) + u
  end
  local cap = l
  local burst = tonumber(ARGV[b + 9])
  if code == 3 and burst > 0 then cap = burst end
  local wt = tonumber(ARGV[b + 4])
  local fit = true
  if ARGV[b + 6] == '1' then
    if ARGV[b + 5] == 's' then fit = (wt <= l) or (wt <= u)
    elseif wt > 0 then fit = c + wt <= cap + 1e-9 end
  end
  if not fit then admitted = false end
  lim[i] = l; st[i] = s; us[i] = u; pv[i] = p; cur[i] = c; ok[i] = fit
end
-- adds to a history field; a new day's hash gets its expiry (400 days) when first written
local function add(key, field, delta)
  local value = false
  if delta == math.floor(delta) then
    value = redis.pcall('HINCRBY', key, field, delta)
    if type(value) == 'table' then value = false end -- the field holds a fraction
  end
  if not value then value = tonumber(redis.call('HINCRBYFLOAT', key, field, delta)) end
  if value == delta then redis.call('EXPIRE', key, 34560000) end
end
local out = {admitted and 1 or 0}
for i = 1, n do
  local b = 2 + (i - 1) * ${CONSUME_STRIDE}
  local code = tonumber(ARGV[b + 1])
  local wt = tonumber(ARGV[b + 4])
  local name = ARGV[b + 2]
  local before = cur[i]
  if admitted then
    local after = before + wt
    if ARGV[b + 5] == 's' then after = wt; us[i] = wt else us[i] = us[i] + wt end
    local ttl = tonumber(ARGV[b + 12])
    if code == 5 then
      redis.call('ZADD', KEYS[3 * i - 2], ARGV[b + 11], ARGV[b + 10])
    else
      redis.call('HSET', KEYS[3 * i - 2], 's', st[i], 'u', us[i], 'p', pv[i])
    end
    if ttl > 0 and fresh[i] then redis.call('PEXPIRE', KEYS[3 * i - 2], ttl) end
    add(KEYS[3 * i], name .. '|u', after - before)
    local over = math.max(0, after - lim[i]) - math.max(0, before - lim[i])
    if over > 0 then add(KEYS[3 * i], name .. '|o', over) end
  elseif not ok[i] then
    add(KEYS[3 * i], name .. '|r', wt)
  end
  out[#out + 1] = tostring(lim[i])
  out[#out + 1] = tostring(st[i])
  out[#out + 1] = tostring(us[i])
  out[#out + 1] = tostring(pv[i])
  out[#out + 1] = tostring(before)
  out[#out + 1] = ok[i] and '1' or '0'
end
return out
`;

/** Arguments per item after ARGV[1] now and ARGV[2] n. */
export const REFUND_STRIDE = 7;

/**
 * KEYS per item i: 2i-1 state, 2i history hash. ARGV per item: code, name, weight, the
 * consumed window start, rolling window ms, limit, lease id. The rules of refundState().
 */
export const REFUND_LUA = `
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
for i = 1, n do
  local b = 2 + (i - 1) * ${REFUND_STRIDE}
  local code = tonumber(ARGV[b + 1])
  local name = ARGV[b + 2]
  local wt = tonumber(ARGV[b + 3])
  local rs = tonumber(ARGV[b + 4])
  local w = tonumber(ARGV[b + 5])
  local l = tonumber(ARGV[b + 6])
  if code == 5 then
    redis.call('ZREM', KEYS[2 * i - 1], ARGV[b + 7])
  else
    local h = redis.call('HMGET', KEYS[2 * i - 1], 's', 'u', 'p')
    if h[2] then
      local s = tonumber(h[1]); local u = tonumber(h[2]); local p = tonumber(h[3])
      if code == 3 then
        if now > s and w > 0 then u = math.max(0, u - (now - s) * l / w); s = now end
        u = math.max(0, u - wt)
      elseif code == 1 then
        if s == rs then u = math.max(0, u - wt) end
      elseif code == 2 then
        if s == rs then u = math.max(0, u - wt) elseif s == rs + w then p = math.max(0, p - wt) end
      else
        u = math.max(0, u - wt)
      end
      redis.call('HSET', KEYS[2 * i - 1], 's', s, 'u', u, 'p', p)
    end
  end
  local used = redis.call('HGET', KEYS[2 * i], name .. '|u')
  if used then redis.call('HSET', KEYS[2 * i], name .. '|u', math.max(0, tonumber(used) - wt)) end
end
return 1
`;

/** KEYS[1] request, KEYS[2] override hash; ARGV expected JSON, new JSON, quota, limit or ''. */
export const DECIDE_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
return 1
`;
