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

/** Bits of an item's head argument in CONSUME_LUA (the algorithm code times 8, plus these). */
export const CONSUME_FLAGS = { hard: 1, set: 2, readLimit: 4 } as const;

/**
 * One atomic consume step over n items. KEYS per item: its state key (a hash s,u,p; a zset
 * of leases for concurrency), followed by the organization's override hash when the caller
 * does not know the item's limit. ARGV per item: head (code * 8 + CONSUME_FLAGS), weight,
 * limit (the quota's when it is read), state TTL ms (0: none), then by code: calendar the
 * window start; sliding now, window ms; token bucket now, window ms, burst (0: the limit);
 * gauge nothing; concurrency now, lease expiry, lease id; then the quota name when its limit
 * is read. Returns, for one item, {fits, limit, start, used, prev, before} (admitted =
 * fits); for several, {admitted, then those six per item}. Numbers with a fraction come as
 * strings (Redis would truncate them).
 *
 * Lean on purpose (it runs once per check): each argument costs, so an item carries only
 * what its algorithm needs and only what is used is parsed; the only table is the reply. A
 * one-item step is decided and written in one pass; with several items the first pass fills
 * the reply with each item's loaded state and the second (re-reading ARGV) writes the
 * consumed ones when every hard item fits. A calendar or sliding key is written with HSET of
 * `u` alone while its window or bucket lasts and gets its expiry when one starts, so a step
 * on a warm key is two commands (rate-limiter-flexible's fixed window: three).
 */
const STEP_LUA = `
-- writes one item's consumed state; fresh: its window or bucket starts, or every field moves
local function put(key, c, ttl, x, y, fresh, s, u, p)
  if c == 5 then
    redis.call('ZADD', key, x, y)
  elseif fresh or c == 4 then
    redis.call('HSET', key, 's', s, 'u', u, 'p', p)
  else
    redis.call('HSET', key, 'u', u)
  end
  if fresh and ttl + 0 > 0 then redis.call('PEXPIRE', key, ttl) end
end
-- numbers with a fraction go back as strings: Redis truncates numbers in replies
local function exact(v)
  if v % 1 ~= 0 then return tostring(v) end
  return v
end
-- one step over the items whose KEYS start at k0 and whose ARGV run from a0 to last
local function step(a0, k0, last)
  local out
  local a, k, n = a0, k0, 0
  while a <= last do
    n = n + 1
    -- '+ 0' converts a numeric string at half the cost of tonumber()
    local f = ARGV[a] + 0
    local c = f % 8
    c, f = (f - c) / 8, c
    local w, l, ttl = ARGV[a + 1] + 0, ARGV[a + 2] + 0, ARGV[a + 3]
    local key = KEYS[k]
    local now, x, y = 0, ARGV[a + 4], 0
    if c == 1 then
      a = a + 5
    elseif c == 4 then
      a = a + 4
    else
      now, x = x + 0, ARGV[a + 5] + 0
      if c == 2 then
        a = a + 6
      else
        y = ARGV[a + 6]
        if c == 3 then y = y + 0 end
        a = a + 7
      end
    end
    k = k + 1
    if f >= 4 then
      local o = redis.call('HGET', KEYS[k], ARGV[a])
      if o then l = o + 0 end
      a = a + 1
      k = k + 1
      f = f - 4
    end
    local s, u, p = 0, 0, 0
    local fresh = c == 3 or c == 5
    if c == 1 then
      local h = redis.call('HMGET', key, 's', 'u')
      -- the same window (the common case) is told by comparing strings, with no parsing
      if h[1] == x then
        s, u = x, (h[2] or 0) + 0
      else
        x = x + 0
        s, u = (h[1] or 0) + 0, (h[2] or 0) + 0
        if s < x then s = x; u = 0; fresh = true end
      end
    elseif c == 5 then
      redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
      u = redis.call('ZCARD', key)
    else
      local h = redis.call('HMGET', key, 's', 'u', 'p')
      s, u, p = (h[1] or 0) + 0, (h[2] or 0) + 0, (h[3] or 0) + 0
      if c == 2 then
        local bucket = now - (now % x)
        if s == bucket - x then p = u; u = 0; s = bucket; fresh = true
        elseif s < bucket - x then p = 0; u = 0; s = bucket; fresh = true end
      elseif c == 3 and now > s then
        u = math.max(0, u - (now - s) * l / x); s = now
      end
    end
    local used = u
    if c == 2 then
      local e = (now - s) / x
      if e < 0 then e = 0 elseif e > 1 then e = 1 end
      used = p * (1 - e) + u
    end
    local cap = l
    if c == 3 and y > 0 then cap = y end
    local fit = 1
    if f % 2 == 1 then
      if f >= 2 then
        if w > l and w > u then fit = 0 end
      elseif w > 0 and used + w > cap + 1e-9 then fit = 0 end
    end
    if n == 1 and a > last then
      -- one item (the common step): decided, so written at once
      if fit == 1 then
        if f >= 2 then u = w else u = u + w end
        put(key, c, ttl, x, y, fresh, s, u, p)
      end
      return {fit, exact(l), s, exact(u), exact(p), exact(used)}
    end
    if out == nil then out = {1} end
    if fit == 0 then out[1] = 0 elseif fresh then fit = 2 end
    local b = #out
    out[b + 1] = fit; out[b + 2] = l; out[b + 3] = s; out[b + 4] = u; out[b + 5] = p; out[b + 6] = used
  end
  -- several items: the reply holds what each found; written when all fit
  local admitted = out[1] == 1
  a, k = a0, k0
  for i = 1, n do
    local b = 2 + (i - 1) * 6
    local f = ARGV[a] + 0
    local c = f % 8
    c, f = (f - c) / 8, c
    local w, ttl, key = ARGV[a + 1] + 0, ARGV[a + 3], KEYS[k]
    local x, y = ARGV[a + 5], ARGV[a + 6]
    if c == 1 then a = a + 5 elseif c == 2 then a = a + 6 elseif c == 4 then a = a + 4 else a = a + 7 end
    k = k + 1
    if f >= 4 then a = a + 1; k = k + 1; f = f - 4 end
    local fresh = out[b] == 2
    if fresh then out[b] = 1 end
    if admitted then
      local u = out[b + 3]
      if f >= 2 then u = w else u = u + w end
      out[b + 3] = u
      put(key, c, ttl, x, y, fresh, out[b + 2], u, out[b + 4])
    end
    out[b + 1] = exact(out[b + 1])
    out[b + 3] = exact(out[b + 3])
    out[b + 4] = exact(out[b + 4])
    out[b + 5] = exact(out[b + 5])
  end
  return out
end
`;

/**
 * Lua, for scripts that run several steps: `reply(pcall(...))` is a step's reply, or the
 * message of the error it raised (a string), so one failed step fails alone.
 */
export const STEP_REPLY_LUA = `
local function reply(ok, r)
  if ok then return r end
  if type(r) == 'table' then return tostring(r.err) end
  return tostring(r)
end
`;

/** One step per call: the whole ARGV and KEYS are its items. */
export const CONSUME_LUA = `${STEP_LUA}return step(1, 1, #ARGV)
`;

/**
 * Several independent steps in one call (one EVALSHA for the checks a process issued in the
 * same tick): KEYS are the steps' keys in order; ARGV[1] is the number of steps, then per step
 * its key count, its argument count and its arguments as CONSUME_LUA takes them. Each step
 * is all-or-nothing on its own, as if called alone, in order. Returns one reply per step:
 * CONSUME_LUA's table, or the error message (a string) of a step that failed, so one bad
 * key fails its own step only.
 */
export const CONSUME_BATCH_LUA = `${STEP_LUA}${STEP_REPLY_LUA}
local replies = {}
local a, k = 2, 1
for i = 1, ARGV[1] + 0 do
  local nk, na = ARGV[a] + 0, ARGV[a + 1] + 0
  a = a + 2
  replies[i] = reply(pcall(step, a, k, a + na - 1))
  a = a + na
  k = k + nk
end
return replies
`;

/** Arguments per item after ARGV[1] now and ARGV[2] n. */
export const REFUND_STRIDE = 6;

/**
 * KEYS per item i: its state key. ARGV per item: code, weight, the consumed window start,
 * rolling window ms, limit, lease id. The rules of refundState(); the daily history is
 * corrected by the caller's batched writes (HISTORY_LUA).
 */
export const REFUND_LUA = `
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
for i = 1, n do
  local b = 2 + (i - 1) * ${REFUND_STRIDE}
  local code = tonumber(ARGV[b + 1])
  local wt = tonumber(ARGV[b + 2])
  local rs = tonumber(ARGV[b + 3])
  local w = tonumber(ARGV[b + 4])
  local l = tonumber(ARGV[b + 5])
  if code == 5 then
    redis.call('ZREM', KEYS[i], ARGV[b + 6])
  else
    local h = redis.call('HMGET', KEYS[i], 's', 'u', 'p')
    if h[2] then
      local s = tonumber(h[1]); local u = tonumber(h[2]); local p = tonumber(h[3]) or 0
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
      redis.call('HSET', KEYS[i], 's', s, 'u', u, 'p', p)
    end
  end
end
return 1
`;

/**
 * KEYS per row: the organization's history hash for the day. ARGV per row: quota name,
 * used, refused, overage (deltas; used may be negative, a field never goes below 0). A
 * hash expires 400 days after its last write.
 */
export const HISTORY_LUA = `
local function add(key, field, delta)
  if delta == 0 then return end
  local value = false
  if delta == math.floor(delta) then
    value = redis.pcall('HINCRBY', key, field, delta)
    if type(value) == 'table' then value = false end -- the field holds a fraction
  end
  if not value then value = tonumber(redis.call('HINCRBYFLOAT', key, field, delta)) end
  if value < 0 then
    if value == delta then redis.call('HDEL', key, field) else redis.call('HSET', key, field, 0) end
  end
end
for i = 1, #KEYS do
  local b = (i - 1) * 4
  local name = ARGV[b + 1]
  add(KEYS[i], name .. '|u', tonumber(ARGV[b + 2]))
  add(KEYS[i], name .. '|r', tonumber(ARGV[b + 3]))
  add(KEYS[i], name .. '|o', tonumber(ARGV[b + 4]))
  redis.call('EXPIRE', KEYS[i], 34560000)
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
