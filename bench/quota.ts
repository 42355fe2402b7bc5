/**
 * `npm run bench:quota`: quota checks per second, Breakwater against rate-limiter-flexible,
 * in the same run: in memory and on Redis, one check at a time and with 64 in flight.
 *
 * Both sides do the same job: one check consumes one unit of one fixed one-day window on one
 * of 1,000 keys, with room to spare, and answers with what is left (see WORK below for what
 * each side does on top). Within each round of a case the two take turns in slices of
 * 100 ms, so the changing load of a shared machine lands on both; the figures are the
 * medians of the rounds, with the process CPU time per check beside checks/s.
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
/** Seconds each side runs before the other takes its turn, within a round. */
const SLICE_S = 0.1;
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
   * (within a round the two take turns every 100 ms, so a change in the machine's speed
   * cancels out of the ratio).
   */
  ratio: number;
  /** The lowest and highest ratio of a round. */
  ratioRange: [number, number];
  /** rate-limiter-flexible / Breakwater CPU per check (median of the rounds' ratios). */
  cpuRatio: number;
  rounds: Array<{ breakwater: Measure; rateLimiterFlexible: Measure }>;
}

/** What one side did over some run time: checks, wall ms and CPU µs. */
interface Tally {
  checks: number;
  ms: number;
  cpuUs: number;
}

/** Runs `check` for `seconds` with `inFlight` loops and adds what it did to `tally`. */
async function run(check: Check, inFlight: number, seconds: number, tally: Tally): Promise<void> {
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
  tally.ms += performance.now() - started;
  const used = process.cpuUsage(cpu);
  tally.cpuUs += used.user + used.system;
  tally.checks += done;
}

const measureOf = (tally: Tally): Measure => ({
  checksPerS: (tally.checks * 1000) / tally.ms,
  cpuUsPerCheck: tally.cpuUs / tally.checks,
});

/**
 * One round: the two sides take turns in slices of SLICE_S until each has run `seconds`
 * (who starts a slice alternates), so a change in the machine's speed lasting longer than
 * a slice lands on both alike.
 */
async function round(
  sides: Record<Side, Check>,
  inFlight: number,
  seconds: number,
): Promise<Record<Side, Measure>> {
  const tallies: Record<Side, Tally> = {
    breakwater: { checks: 0, ms: 0, cpuUs: 0 },
    rateLimiterFlexible: { checks: 0, ms: 0, cpuUs: 0 },
  };
  const slices = Math.max(1, Math.round(seconds / SLICE_S));
  for (let slice = 0; slice < slices; slice++) {
    const order: Side[] =
      slice % 2 === 0
        ? ['breakwater', 'rateLimiterFlexible']
        : ['rateLimiterFlexible', 'breakwater'];
    for (const side of order) await run(sides[side], inFlight, seconds / slices, tallies[side]);
  }
  return {
    breakwater: measureOf(tallies.breakwater),
    rateLimiterFlexible: measureOf(tallies.rateLimiterFlexible),
  };
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
  if (args.warmupS > 0) await round(sides, inFlight, args.warmupS);
  const rounds: Case['rounds'] = [];
  for (let n = 0; n < args.rounds; n++) {
    const result = await round(sides, inFlight, args.durationS);
    rounds.push(result);
    const { breakwater: bw, rateLimiterFlexible: rlf } = result;
    progress(
      `${backend.padEnd(6)} in-flight ${String(inFlight).padStart(2)} round ${n + 1}: ` +
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
    `bench:quota: ${args.rounds} rounds of ${args.durationS} s per side and case (100 ms turns) ` +
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
      `checks per second, median of ${args.rounds} rounds of ${args.durationS} s per side in 100 ms turns, ${KEYS} keys, ` +
        `Node ${process.version}, load average ${before} before, ${after} after`,
      '',
      '| backend | in flight | Breakwater checks/s | rate-limiter-flexible checks/s | ratio | rounds | Breakwater µs CPU/check | rate-limiter-flexible µs CPU/check | CPU ratio |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      "ratio = Breakwater / rate-limiter-flexible checks/s, the median of the rounds' ratios (aim >= 1.0; in a",
      'round the two take turns every 100 ms), rounds = lowest-highest ratio of a round; CPU ratio = rate-limiter-flexible /',
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
