/**
 * `npm run bench:quota`: quota checks per second, Breakwater against rate-limiter-flexible,
 * in the same run: in memory and on Redis, one check at a time and with 64 in flight. Each
 * check consumes one unit of a fixed (daily) window on one of 1,000 keys with room to
 * spare, so both sides do the same work: read, count, admit. Redis: the local server
 * (BREAKWATER_BENCH_REDIS, default redis://127.0.0.1:6379/0), keys under a fresh prefix that
 * is deleted afterwards.
 *
 *   npm run bench:quota -- [--duration 3] [--warmup 1] [--connections 64] [--json]
 *
 * `--connections` is the number of checks in flight in the concurrent cases.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { createQuotas } from '../src/quota/quotas.js';
import { openStore } from '../src/store/open.js';
import type { RedisStore } from '../src/store/types.js';
import { parseBenchArgs } from './support/args.js';

const KEYS = 1_000;
const POINTS = 1_000_000_000;
const args = parseBenchArgs(process.argv.slice(2), {
  durationS: 3,
  warmupS: 1,
  connections: 64,
  rounds: 1,
  json: false,
});
const progress = (line: string) => process.stderr.write(`${line}\n`);
const redisUrl = process.env.BREAKWATER_BENCH_REDIS ?? 'redis://127.0.0.1:6379/0';
const prefix = `bw_bench_${randomBytes(4).toString('hex')}:`;

type Check = (key: string) => Promise<unknown>;
interface Case {
  backend: 'memory' | 'redis';
  inFlight: number;
  breakwater: number;
  rateLimiterFlexible: number;
  ratio: number;
}

/** Runs `check` for `seconds` with `inFlight` loops; checks per second. */
async function measure(check: Check, inFlight: number, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const loop = async (offset: number) => {
    let i = offset;
    for (;;) {
      for (let batch = 0; batch < 64; batch++) {
        await check(`k${i++ % KEYS}`);
        done++;
      }
      if (performance.now() >= end) return;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, (_, n) => loop(n * 7)));
  return done / ((performance.now() - started) / 1000);
}

async function compare(
  backend: Case['backend'],
  inFlight: number,
  breakwater: Check,
  flexible: Check,
): Promise<Case> {
  const result: Partial<Case> = { backend, inFlight };
  for (const [name, check] of [
    ['breakwater', breakwater],
    ['rateLimiterFlexible', flexible],
  ] as const) {
    if (args.warmupS > 0) await measure(check, inFlight, args.warmupS);
    result[name] = await measure(check, inFlight, args.durationS);
    progress(
      `${backend.padEnd(6)} in-flight ${String(inFlight).padStart(2)}  ${name.padEnd(19)} ${Math.round(
        result[name] ?? 0,
      )
        .toLocaleString('en-US')
        .padStart(11)} checks/s`,
    );
  }
  result.ratio = (result.breakwater ?? 0) / (result.rateLimiterFlexible ?? 1);
  return result as Case;
}

const definitions = [{ name: 'checks', limit: POINTS, window: 'day' as const }];
const cases: Case[] = [];
const store = openStore(
  `${redisUrl}${redisUrl.includes('?') ? '&' : '?'}prefix=${prefix}`,
) as RedisStore;
const flexibleClient = new Redis(redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
try {
  progress(
    `bench:quota: ${args.durationS} s per case after ${args.warmupS} s warm-up, ${KEYS} keys, Redis ${redisUrl}`,
  );
  const memory = createQuotas({ store: 'memory', definitions });
  const memoryFlexible = new RateLimiterMemory({ points: POINTS, duration: 86_400 });
  const redis = createQuotas({ store, definitions });
  const redisFlexible = new RateLimiterRedis({
    storeClient: flexibleClient,
    points: POINTS,
    duration: 86_400,
    keyPrefix: `${prefix}rlf`,
  });
  const ours = (quotas: typeof memory): Check => {
    const request = { organization: '', quotas: ['checks'] as const };
    return (key) => quotas.consume({ ...request, organization: key });
  };
  for (const inFlight of [1, args.connections]) {
    cases.push(
      await compare('memory', inFlight, ours(memory), (key) => memoryFlexible.consume(key)),
    );
  }
  for (const inFlight of [1, args.connections]) {
    cases.push(await compare('redis', inFlight, ours(redis), (key) => redisFlexible.consume(key)));
  }
  report(cases);
} finally {
  await cleanup();
}

async function cleanup(): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await flexibleClient.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await flexibleClient.del(...keys);
  } while (cursor !== '0');
  flexibleClient.disconnect();
  await store.close();
}

function report(results: Case[]): void {
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ bench: 'quota', date: new Date().toISOString(), node: process.version, args, keys: KEYS, cases: results }, null, 2)}\n`,
    );
    return;
  }
  const rows = results.map(
    (c) =>
      `| ${c.backend} | ${c.inFlight} | ${Math.round(c.breakwater).toLocaleString('en-US')} | ${Math.round(c.rateLimiterFlexible).toLocaleString('en-US')} | ${c.ratio.toFixed(2)} |`,
  );
  process.stdout.write(
    [
      '',
      `checks per second, ${args.durationS} s per case, ${KEYS} keys, one unit of a daily window per check`,
      '',
      '| backend | in flight | Breakwater | rate-limiter-flexible | ratio |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      'ratio = Breakwater / rate-limiter-flexible (aim >= 1.0)',
      '',
    ].join('\n'),
  );
}
