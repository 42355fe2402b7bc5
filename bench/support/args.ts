/** Options every benchmark takes: `--duration <s>`, `--warmup <s>`, `--connections <n>`, `--json`. */
export interface BenchArgs {
  durationS: number;
  warmupS: number;
  connections: number;
  rounds: number;
  json: boolean;
}

export const DEFAULT_BENCH_ARGS: BenchArgs = {
  durationS: 10,
  warmupS: 2,
  connections: 50,
  rounds: 2,
  json: false,
};

const NUMERIC = {
  '--duration': 'durationS',
  '--warmup': 'warmupS',
  '--connections': 'connections',
  '--rounds': 'rounds',
} as const;

/** Parses argv; an unknown flag or a bad number throws one line naming it. */
export function parseBenchArgs(argv: string[], defaults = DEFAULT_BENCH_ARGS): BenchArgs {
  const args = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
    if (flag === '--json') {
      args.json = true;
      continue;
    }
    const key = NUMERIC[flag as keyof typeof NUMERIC];
    if (!key)
      throw new Error(
        `unknown option ${flag} (use --duration, --warmup, --connections, --rounds, --json)`,
      );
    const raw = inline ?? argv[++i];
    const value = Number(raw);
    const min = key === 'warmupS' ? 0 : 1;
    if (raw === undefined || !Number.isFinite(value) || value < min || value > 600) {
      throw new Error(`${flag} needs a number from ${min} to 600 (got ${raw ?? 'nothing'})`);
    }
    args[key] = key === 'durationS' || key === 'warmupS' ? value : Math.round(value);
  }
  return args;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
