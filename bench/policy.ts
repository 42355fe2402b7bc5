/**
 * `npm run bench:policy`: what a resilience policy costs per call. Nanoseconds per awaited
 * call of a trivial async function, bare and through Breakwater's breaker, retry (no
 * failures) and composed stack (retry + breaker + timeout), next to cockatiel and opossum
 * in the same process and run. Within a round the variants take turns in chunks of 50 000
 * calls, so background noise hits them alike, with a full GC (untimed) before each chunk, so
 * no variant pays for another's garbage; the median of the rounds counts.
 *
 *   npm run bench:policy -- [--calls 500000] [--rounds 3] [--warmup 50000] [--json]
 */

import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ConsecutiveBreaker,
  circuitBreaker as cockatielBreaker,
  retry as cockatielRetry,
  timeout as cockatielTimeout,
  wrap as cockatielWrap,
  ExponentialBackoff,
  handleAll,
  TimeoutStrategy,
} from 'cockatiel';
import Opossum from 'opossum';
import { CircuitBreaker, retry, timeout, wrap } from '../src/resilience/index.js';
import { median } from './support/args.js';

interface Args {
  calls: number;
  rounds: number;
  warmup: number;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { calls: 500_000, rounds: 3, warmup: 50_000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split('=', 2) as [string, string | undefined];
    if (flag === '--json') {
      args.json = true;
      continue;
    }
    const flags: Record<string, 'calls' | 'rounds' | 'warmup' | undefined> = {
      '--calls': 'calls',
      '--rounds': 'rounds',
      '--warmup': 'warmup',
    };
    const key = flags[flag];
    if (!key) throw new Error(`unknown option ${flag} (use --calls, --rounds, --warmup, --json)`);
    const raw = inline ?? argv[++i];
    const value = Number(raw);
    if (!Number.isInteger(value) || value < (key === 'warmup' ? 0 : 1) || value > 100_000_000) {
      throw new Error(`${flag} needs a whole number (got ${raw ?? 'nothing'})`);
    }
    args[key] = value;
  }
  return args;
}

type Group = 'baseline' | 'breaker' | 'retry' | 'stack';
interface Variant {
  group: Group;
  library: 'bare' | 'breakwater' | 'cockatiel' | 'opossum';
  label: string;
  run: () => Promise<unknown>;
}

const trivial = async () => 1;
const signalAndTimer = async () => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 1_000);
  try {
    return await trivialWith(controller.signal);
  } finally {
    clearTimeout(timer);
  }
};
const trivialWith = async (_signal: AbortSignal) => 1;
/** Calls of one variant in a row before the next variant's turn. */
const CHUNK_CALLS = 50_000;

function variants(): Variant[] {
  const bwBreaker = new CircuitBreaker({ name: 'bench', consecutiveFailures: 5 });
  const ckBreaker = cockatielBreaker(handleAll, {
    halfOpenAfter: 30_000,
    breaker: new ConsecutiveBreaker(5),
  });
  const opBreaker = new Opossum(trivial, { timeout: false });
  const bwRetry = retry({ maxAttempts: 3 });
  const ckRetry = cockatielRetry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() });
  const bwStack = wrap(
    retry({ maxAttempts: 3 }),
    new CircuitBreaker({ name: 'bench-stack', consecutiveFailures: 5 }),
    timeout(1_000),
  );
  const ckStack = cockatielWrap(
    cockatielRetry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
    cockatielBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) }),
    cockatielTimeout(1_000, TimeoutStrategy.Aggressive),
  );
  const opStack = new Opossum(trivial, { timeout: 1_000 });
  return [
    { group: 'baseline', library: 'bare', label: 'bare await', run: trivial },
    // The floor of any timeout that hands the function an AbortSignal: one controller and
    // one timer per call, nothing else.
    { group: 'baseline', library: 'bare', label: 'bare + signal + timer', run: signalAndTimer },
    {
      group: 'breaker',
      library: 'breakwater',
      label: 'breaker',
      run: () => bwBreaker.execute(trivial),
    },
    {
      group: 'breaker',
      library: 'cockatiel',
      label: 'breaker',
      run: () => ckBreaker.execute(trivial),
    },
    {
      group: 'breaker',
      library: 'opossum',
      label: 'breaker (timeout off)',
      run: () => opBreaker.fire(),
    },
    {
      group: 'retry',
      library: 'breakwater',
      label: 'retry, no failures',
      run: () => bwRetry.execute(trivial),
    },
    {
      group: 'retry',
      library: 'cockatiel',
      label: 'retry, no failures',
      run: () => ckRetry.execute(trivial),
    },
    {
      group: 'stack',
      library: 'breakwater',
      label: 'retry+breaker+timeout',
      run: () => bwStack.execute(trivial),
    },
    {
      group: 'stack',
      library: 'cockatiel',
      label: 'retry+breaker+timeout',
      run: () => ckStack.execute(trivial),
    },
    { group: 'stack', library: 'opossum', label: 'breaker+timeout', run: () => opStack.fire() },
  ];
}

// A full GC between chunks (untimed); made available without a command-line flag.
v8.setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Total nanoseconds for `calls` awaited calls, after a full GC. */
async function measure(run: () => Promise<unknown>, calls: number): Promise<number> {
  collect();
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await run();
  return Number(process.hrtime.bigint() - started);
}

const args = parseArgs(process.argv.slice(2));
const progress = (line: string) => process.stderr.write(`${line}\n`);
const all = variants();
const samples = new Map<Variant, number[]>(all.map((v) => [v, []]));
// Each round runs every variant's calls in interleaved chunks, so a noisy neighbour (another
// process, a GC of another variant's garbage) spreads over all variants alike.
const chunk = Math.min(args.calls, CHUNK_CALLS);

progress(
  `bench:policy: ${args.calls} awaited calls per variant and round, ${args.rounds} rounds, interleaved in chunks of ${chunk}, ${args.warmup} warm-up calls (node ${process.version})`,
);
for (const variant of all) await measure(variant.run, args.warmup);
for (let round = 1; round <= args.rounds; round++) {
  const total = new Map<Variant, number>(all.map((v) => [v, 0]));
  for (let done = 0; done < args.calls; done += chunk) {
    const calls = Math.min(chunk, args.calls - done);
    for (const variant of all) {
      total.set(variant, (total.get(variant) ?? 0) + (await measure(variant.run, calls)));
    }
  }
  for (const variant of all) {
    const ns = (total.get(variant) ?? 0) / args.calls;
    samples.get(variant)?.push(ns);
    progress(
      `round ${round}/${args.rounds} ${variant.library.padEnd(10)} ${variant.label.padEnd(22)} ${ns.toFixed(1).padStart(8)} ns/call`,
    );
  }
}

const results = all.map((v) => ({
  group: v.group,
  library: v.library,
  label: v.label,
  nsPerCall: median(samples.get(v) ?? []),
  samples: samples.get(v) ?? [],
}));
const bare = results.find((r) => r.label === 'bare await')?.nsPerCall ?? Number.NaN;
const find = (group: Group, library: string) =>
  results.find((r) => r.group === group && r.library === library)?.nsPerCall;
const ratios = (['breaker', 'retry', 'stack'] as const).map((group) => {
  const mine = find(group, 'breakwater') ?? Number.NaN;
  const cockatiel = find(group, 'cockatiel');
  const opossum = find(group, 'opossum');
  return {
    group,
    breakwaterOverheadNs: mine - bare,
    cockatielOverheadNs: cockatiel === undefined ? undefined : cockatiel - bare,
    vsCockatiel: cockatiel === undefined ? undefined : mine / cockatiel,
    vsOpossum: opossum === undefined ? undefined : mine / opossum,
    overheadVsCockatiel: cockatiel === undefined ? undefined : (mine - bare) / (cockatiel - bare),
  };
});

if (args.json) {
  process.stdout.write(
    `${JSON.stringify({ bench: 'policy', date: new Date().toISOString(), node: process.version, args, results, ratios }, null, 2)}\n`,
  );
} else {
  const fmt = (n: number | undefined, digits = 2) => (n === undefined ? 'n/a' : n.toFixed(digits));
  process.stdout.write(
    [
      '',
      `${args.calls} awaited calls of a trivial async function per variant, median of ${args.rounds} rounds`,
      '',
      '| variant | library | ns/call | x bare |',
      '| --- | --- | ---: | ---: |',
      ...results.map(
        (r) =>
          `| ${r.label} | ${r.library} | ${fmt(r.nsPerCall, 1)} | ${fmt(r.nsPerCall / bare)} |`,
      ),
      '',
      '| policy | Breakwater / cockatiel | Breakwater / opossum | overhead Breakwater / cockatiel |',
      '| --- | ---: | ---: | ---: |',
      ...ratios.map(
        (r) =>
          `| ${r.group} | ${fmt(r.vsCockatiel)} | ${fmt(r.vsOpossum)} | ${fmt(r.overheadVsCockatiel)} |`,
      ),
      '',
      'aim: Breakwater overhead (ns/call minus bare) no higher than cockatiel (last column <= 1.00)',
      '',
    ].join('\n'),
  );
}
