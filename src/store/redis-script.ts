import { createHash } from 'node:crypto';
import { Command, type Redis } from 'ioredis';

/** Runs the script with these KEYS and ARGV: `[numkeys, ...keys, ...argv]`, keys whole. */
export type DirectScript<T> = (args: ReadonlyArray<string | number>) => Promise<T>;

const noScript = (error: unknown): boolean =>
  error instanceof Error && error.message.startsWith('NOSCRIPT');

/**
 * A Lua script sent as EVALSHA straight through ioredis's `sendCommand`, for hot paths:
 * no auto-pipeline batch per tick (ioredis builds one, with a property per defined
 * script, for every tick that sends a command) and no key-prefix pass over the arguments,
 * so the caller gives whole keys, the store's prefix included. Replies come as strings and
 * numbers. When Redis does not know the script (restarted, SCRIPT FLUSH) the call is sent
 * again as EVAL, which loads it.
 */
export function directScript<T>(redis: Redis, lua: string): DirectScript<T> {
  const sha = createHash('sha1').update(lua).digest('hex');
  const send = (name: 'evalsha' | 'eval', head: string, args: ReadonlyArray<string | number>) =>
    redis.sendCommand(new Command(name, [head, ...args], { replyEncoding: 'utf8' })) as Promise<T>;
  return (args) =>
    send('evalsha', sha, args).catch((error: unknown) => {
      if (!noScript(error)) throw error;
      return send('eval', lua, args);
    });
}
