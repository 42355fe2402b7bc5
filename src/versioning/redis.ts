import type { RedisStore } from '../store/types.js';
import {
  checkPinArguments,
  type PinStoreOptions,
  type VersionPin,
  type VersionPinStore,
} from './store.js';

const pinKey = (orgId: string): string => `version-pin:${orgId}`;

function decode(orgId: string, raw: string | null): VersionPin | undefined {
  if (raw === null) return undefined;
  const { version, pinnedAt } = JSON.parse(raw) as { version: string; pinnedAt: number };
  return { orgId, version, pinnedAt };
}

/**
 * Version pins in Redis under the store's prefix, one string key per organization
 * (`version-pin:<org>`, JSON), without TTL. `pinIfAbsent` is `SET NX`, then a read.
 */
export function redisPinStore(store: RedisStore, options: PinStoreOptions = {}): VersionPinStore {
  const now = options.now ?? Date.now;
  const { redis } = store;
  const encode = (version: string) => JSON.stringify({ version, pinnedAt: now() });

  return {
    kind: 'redis',
    getPin: async (orgId, signal) => {
      checkPinArguments(orgId);
      signal?.throwIfAborted();
      return decode(orgId, await redis.get(pinKey(orgId)));
    },
    pinIfAbsent: async (orgId, version, signal) => {
      checkPinArguments(orgId, version);
      signal?.throwIfAborted();
      const value = encode(version);
      // Pins are never deleted, so the key a lost SET NX ran into is still there to read.
      if ((await redis.set(pinKey(orgId), value, 'NX')) === 'OK') return decode(orgId, value)!;
      return decode(orgId, await redis.get(pinKey(orgId)))!;
    },
    setPin: async (orgId, version, signal) => {
      checkPinArguments(orgId, version);
      signal?.throwIfAborted();
      const value = encode(version);
      await redis.set(pinKey(orgId), value);
      return decode(orgId, value)!;
    },
  };
}
