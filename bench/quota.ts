/**
 * `npm run bench:quota`: quota checks per second, Breakwater against rate-limiter-flexible,
 * in the same run: in memory and on Redis, one check at a time and with 64 in flight.
 *
 * Both sides do the same job: one check consumes one unit of one fixed one-day window on one
 * of 1,000 keys, with room to spare, and answers with what is left (see WORK below for what
 * each side does on top). The two alternate within each case, round after round, so the
 * load of a shared machine lands on both; the figures are the medians of the rounds, with
 * the process CPU time per check beside checks/s (steadier when the machine is busy).
 * Redis: the local server (BREAKWATER_BENCH_REDIS, default redis://127.0.0.1:6379/0), each
 * side on its own ioredis client with auto-pipelining, keys under a fresh prefix deleted
 * afterwards.
 *
 *   npm run bench:quota -- [--duration 1] [--warmup 1] [--rounds 15] [--connections 64] [--json]
 *
 * `--connections` is the number of checks in flight in the concurrent cases.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { DEFAULT_HISTORY_FLUSH_MS } from '../src/quota/history-buffer.js';
import { DEFAULT_OVERRIDE_CACHE_MS } from '../src/quota/override-cache.js';
import { createQuotas, type Quotas } from '../src/quota/quotas.js';
import { openStore } from '../src/store/open.js';
import type { RedisStore } from '../src/store/types.js';
import { median, parseBenchArgs } from './support/args.js';

const KEYS = 1_000;
const POINTS = 1_000_000_000;
// many short rounds: the median of their ratios moves less with the machine than a few long ones
const args = parseBenchArgs(process.argv.slice(2), {
  durationS: 1,
  warmupS: 1,
  connections: 64,
  rounds: 15,
  json: false,
});
const progress = (line: string) => process.stderr.write(`${line}\n`);
const redisUrl = process.env.BREAKWATER_BENCH_REDIS ?? 'redis://127.0.0.1:6379/0';
const prefix = `bw_bench_${randomBytes(4).toString('hex')}:`;

/** What each side does per check, printed with the results. */
const WORK = {
  breakwater: [
    "quotas.consume({ organization: key, quotas: ['checks'] }): a calendar-day window (UTC)",
    `validates the request; limit from the store's override (cached per process, ${DEFAULT_OVERRIDE_CACHE_MS / 1000} s)`,
    'checks and counts atomically (Redis: HMGET + HINCRBY in one EVALSHA of the lean calendar',
    'script per step, or per batch of the steps issued in one tick, each still atomic on its',
    'own); counts the daily history',
    `(memory: in the store; Redis: added up in the process, written every ${DEFAULT_HISTORY_FLUSH_MS / 1000} s)`,
    'answers limit, used, remaining, reset, overage, warning per quota (the RateLimit headers)',
  ],
  rateLimiterFlexible: [
    'limiter.consume(key): a fixed 86,400 s window from the key’s first hit',
    'counts (Redis: one EVALSHA, SET NX + INCRBY + PTTL; a refused point is counted too)',
    'answers consumed, remaining and ms before the window resets',
  ],
};

type Check = (key: string) => Promise<unknown>;
type Side = 'breakwater' | 'rateLimiterFlexible';
interface Measure {
  checksPerS: number;
  cpuUsPerCheck: number;
}
interface Case {
  backend: 'memory' | 'redis';
  inFlight: number;
  breakwater: Measure;
  rateLimiterFlexible: Measure;
  /**
   * Breakwater / rate-limiter-flexible checks per second: the median of the rounds' ratios
   * (each round runs the two back to back, so a change in the machine's speed between
   * rounds cancels out of the ratio).
   */
  ratio: number;
  /** The lowest and highest ratio of a round. */
  ratioRange: [number, number];
  /** rate-limiter-flexible / Breakwater CPU per check (median of the rounds' ratios). */
  cpuRatio: number;
  rounds: Array<{ breakwater: Measure; rateLimiterFlexible: Measure }>;
}

/** Runs `check` for `seconds` with `inFlight` loops: checks per second and CPU per check. */
async function measure(check: Check, inFlight: number, seconds: number): Promise<Measure> {
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
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, (_, n) => loop(n * 7)));
  const elapsedS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { checksPerS: done / elapsedS, cpuUsPerCheck: (used.user + used.system) / done };
}

const med = (rounds: Case['rounds'], side: Side): Measure => ({
  checksPerS: median(rounds.map((r) => r[side].checksPerS)),
  cpuUsPerCheck: median(rounds.map((r) => r[side].cpuUsPerCheck)),
});

async function compare(
  backend: Case['backend'],
  inFlight: number,
  sides: Record<Side, Check>,
): Promise<Case> {
  if (args.warmupS > 0) {
    for (const check of Object.values(sides)) await measure(check, inFlight, args.warmupS);
  }
  const rounds: Case['rounds'] = [];
  for (let round = 0; round < args.rounds; round++) {
    // alternate who goes first, so neither always follows the other's garbage
    const order: Side[] =
      round % 2 === 0
        ? ['breakwater', 'rateLimiterFlexible']
        : ['rateLimiterFlexible', 'breakwater'];
    const result: Partial<Case['rounds'][number]> = {};
    for (const side of order) result[side] = await measure(sides[side], inFlight, args.durationS);
    rounds.push(result as Case['rounds'][number]);
    const { breakwater: bw, rateLimiterFlexible: rlf } = result as Case['rounds'][number];
    progress(
      `${backend.padEnd(6)} in-flight ${String(inFlight).padStart(2)} round ${round + 1}: ` +
        `Breakwater ${fmt(bw.checksPerS)}/s (${bw.cpuUsPerCheck.toFixed(2)} µs CPU), ` +
        `rate-limiter-flexible ${fmt(rlf.checksPerS)}/s (${rlf.cpuUsPerCheck.toFixed(2)} µs CPU)`,
    );
  }
  const ratios = rounds.map((r) => r.breakwater.checksPerS / r.rateLimiterFlexible.checksPerS);
  return {
    backend,
    inFlight,
    breakwater: med(rounds, 'breakwater'),
    rateLimiterFlexible: med(rounds, 'rateLimiterFlexible'),
    ratio: median(ratios),
    ratioRange: [Math.min(...ratios), Math.max(...ratios)],
    cpuRatio: median(
      rounds.map((r) => r.rateLimiterFlexible.cpuUsPerCheck / r.breakwater.cpuUsPerCheck),
    ),
    rounds,
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const definitions = [{ name: 'checks', limit: POINTS, window: 'day' as const }];
const names = ['checks'] as const;
const ours =
  (quotas: Quotas): Check =>
  (key) =>
    quotas.consume({ organization: key, quotas: names });
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const cases: Case[] = [];
const loadBefore = load();
const store = openStore(
  `${redisUrl}${redisUrl.includes('?') ? '&' : '?'}prefix=${prefix}`,
) as RedisStore;
const flexibleClient = new Redis(redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
const memory = createQuotas({ store: 'memory', definitions });
const redis = createQuotas({ store, definitions });
try {
  progress(
    `bench:quota: ${args.rounds} alternating rounds of ${args.durationS} s per side and case ` +
      `after ${args.warmupS} s warm-up, ${KEYS} keys, Redis ${redisUrl}, load average ${loadBefore}`,
  );
  const memoryFlexible = new RateLimiterMemory({ points: POINTS, duration: 86_400 });
  const redisFlexible = new RateLimiterRedis({
    storeClient: flexibleClient,
    points: POINTS,
    duration: 86_400,
    keyPrefix: `${prefix}rlf`,
  });
  for (const inFlight of [1, args.connections]) {
    cases.push(
      await compare('memory', inFlight, {
        breakwater: ours(memory),
        rateLimiterFlexible: (key) => memoryFlexible.consume(key),
      }),
    );
  }
  for (const inFlight of [1, args.connections]) {
    cases.push(
      await compare('redis', inFlight, {
        breakwater: ours(redis),
        rateLimiterFlexible: (key) => redisFlexible.consume(key),
      }),
    );
  }
  report(cases, loadBefore, load());
} finally {
  await cleanup();
}

async function cleanup(): Promise<void> {
  await memory.close();
  await redis.close();
  let cursor = '0';
  do {
    const [next, keys] = await flexibleClient.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await flexibleClient.del(...keys);
  } while (cursor !== '0');
  flexibleClient.disconnect();
  await store.close();
}

function report(results: Case[], before: string, after: string): void {
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          bench: 'quota',
          date: new Date().toISOString(),
          node: process.version,
          loadAverage: { before, after },
          args,
          keys: KEYS,
          work: WORK,
          cases: results,
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  const rows = results.map(
    (c) =>
      `| ${c.backend} | ${c.inFlight} | ${fmt(c.breakwater.checksPerS)} | ${fmt(c.rateLimiterFlexible.checksPerS)} | ${c.ratio.toFixed(2)} | ${c.ratioRange.map((r) => r.toFixed(2)).join('-')} | ${c.breakwater.cpuUsPerCheck.toFixed(2)} | ${c.rateLimiterFlexible.cpuUsPerCheck.toFixed(2)} | ${c.cpuRatio.toFixed(2)} |`,
  );
  process.stdout.write(
    [
      '',
      `checks per second, median of ${args.rounds} alternating rounds of ${args.durationS} s, ${KEYS} keys, ` +
        `Node ${process.version}, load average ${before} before, ${after} after`,
      '',
      '| backend | in flight | Breakwater checks/s | rate-limiter-flexible checks/s | ratio | rounds | Breakwater µs CPU/check | rate-limiter-flexible µs CPU/check | CPU ratio |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      "ratio = Breakwater / rate-limiter-flexible checks/s, the median of the rounds' ratios (aim >= 1.0; each",
      'round runs both back to back), rounds = lowest-highest ratio of a round; CPU ratio = rate-limiter-flexible /',
      'Breakwater CPU per check of this process, median of the rounds (above 1: Breakwater costs less; Redis',
      'server time not included)',
      '',
      'Breakwater, per check:',
      ...WORK.breakwater.map((line) => `  ${line}`),
      'rate-limiter-flexible, per check:',
      ...WORK.rateLimiterFlexible.map((line) => `  ${line}`),
      '',
    ].join('\n'),
  );
}
