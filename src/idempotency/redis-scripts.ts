/**
 * Lua scripts that make each Redis step atomic. A key's hash holds state, fingerprint,
 * token, expires_at (epoch ms from the caller's clock) and, once completed, status, headers
 * and body. PEXPIRE only collects garbage; expiry decisions compare expires_at with ARGV now.
 */

/** KEYS[1] record; ARGV fingerprint, token, now, leaseExpiresAt, leaseMs. */
export const CLAIM_LUA = `
local rec = redis.call('HMGET', KEYS[1], 'state', 'fingerprint', 'expires_at', 'status', 'headers', 'body')
if rec[1] and tonumber(rec[3]) > tonumber(ARGV[3]) then
  if rec[1] == 'completed' then
    return {'completed', rec[2], rec[3], rec[4], rec[5], rec[6]}
  end
  return {'in_flight', rec[2], rec[3]}
end
local recovered = '0'
if rec[1] == 'in_flight' then recovered = '1' end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'in_flight', 'fingerprint', ARGV[1], 'token', ARGV[2],
  'expires_at', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {'claimed', recovered}
`;

/** KEYS[1] record; ARGV token, status, headers, body, expiresAt, ttlMs. */
export const COMPLETE_LUA = `
local rec = redis.call('HMGET', KEYS[1], 'state', 'token')
if rec[1] ~= 'in_flight' or rec[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'completed', 'status', ARGV[2], 'headers', ARGV[3],
  'body', ARGV[4], 'expires_at', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
`;

/** KEYS[1] record; ARGV token. */
export const RELEASE_LUA = `
local rec = redis.call('HMGET', KEYS[1], 'state', 'token')
if rec[1] ~= 'in_flight' or rec[2] ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;
