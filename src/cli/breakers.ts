import { Command } from 'commander';
import { localActor } from '../admin/actor.js';
import { createAuditLog } from '../admin/audit.js';
import { parseDuration } from '../config/duration.js';
import { breakerClusterStore } from '../resilience/open.js';
import { BREAKER_NAME } from '../resilience/registry.js';
import type { BreakerOverride, ClusterView, OverrideMode } from '../resilience/store.js';
import { openStore, storeUrlFromEnv } from '../store/open.js';
import type { Store } from '../store/types.js';
import { CliExit, type CliIo, EXIT } from './io.js';

/** Options of `breakers` and its subcommands (given before or after the subcommand). */
interface BreakerFlags {
  store?: string;
  actor?: string;
  staleAfter?: string;
  json?: boolean;
}

/** A heartbeat older than this marks an instance stale in the listing. */
export const DEFAULT_CLI_STALE_AFTER_MS = 15_000;

const WORDS: Record<OverrideMode, string> = {
  open: 'forced open on every instance',
  close: 'held closed on every instance',
  reset: 'reset on every instance',
};

const DESCRIPTIONS: Record<OverrideMode, string> = {
  open: 'force a breaker open on every instance (FORCED_OPEN)',
  close: 'hold a breaker closed on every instance (DISABLED)',
  reset: 'release a breaker on every instance: back to CLOSED, counts cleared',
};

/**
 * `breakwater breakers [--json]` lists the breaker states every instance published;
 * `breakwater breakers open|close|reset <name>` writes the cluster override that every
 * instance applies at its next poll. Works directly on `--store` or BREAKWATER_STORE.
 */
export function breakersCommand(io: CliIo): Command {
  const breakers = new Command('breakers')
    .description('circuit breaker states across instances, and cluster-wide overrides')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .option('--store <url>', 'store URL (default: BREAKWATER_STORE or sqlite:.breakwater/state.db)')
    .option('--actor <who>', 'who is acting, recorded with the override (default: user@host)')
    .option('--stale-after <ms>', 'heartbeat age that marks an instance stale', '15000')
    .option('--json', 'print JSON for scripts')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<BreakerFlags>();
      const staleAfterMs = parseStaleAfter(flags.staleAfter);
      await withStore(io, flags, async (store) => {
        const cluster = breakerClusterStore(store);
        const [view, overrides] = await Promise.all([cluster.view(), cluster.overrides()]);
        const listing = toListing(view, overrides, Date.now(), staleAfterMs);
        io.stdout.write(flags.json ? `${JSON.stringify(listing, null, 2)}\n` : table(listing));
      });
    });

  for (const mode of ['open', 'close', 'reset'] as const) {
    breakers
      .command(mode)
      .description(DESCRIPTIONS[mode])
      .argument('<name>', 'breaker name')
      .action(async (name: string, _options: unknown, command: Command) => {
        const flags = command.optsWithGlobals<BreakerFlags>();
        if (!BREAKER_NAME.test(name)) {
          throw new CliExit(EXIT.usage, `breakers ${mode}: invalid breaker name "${name}"`);
        }
        const actor = flags.actor?.trim() || localActor(io.env);
        await withStore(io, flags, async (store) => {
          const override = await breakerClusterStore(store).setOverride(
            name,
            mode,
            actor,
            Date.now(),
          );
          if (store.kind !== 'redis') {
            await createAuditLog(store).record({
              actor,
              action: `breaker.${mode}`,
              target: name,
              detail: { scope: 'cluster', version: override.version, via: 'cli' },
            });
          }
          io.stdout.write(
            flags.json
              ? `${JSON.stringify(override, null, 2)}\n`
              : `breaker "${name}": ${WORDS[mode]} (version ${override.version}, by ${actor})\n`,
          );
        });
      });
  }
  return breakers;
}

interface Listing {
  states: Array<{
    instance: string;
    breaker: string;
    state: string;
    cause: string;
    since: string;
    updated: string;
    live: boolean;
  }>;
  overrides: Array<Omit<BreakerOverride, 'updatedAt'> & { updated: string }>;
}

function toListing(
  view: ClusterView,
  overrides: BreakerOverride[],
  now: number,
  staleAfterMs: number,
): Listing {
  const heartbeats = new Map(view.instances.map((i) => [i.instance, i.heartbeatAt]));
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    states: view.states.map((s) => ({
      instance: s.instance,
      breaker: s.breaker,
      state: s.state,
      cause: s.cause,
      since: iso(s.since),
      updated: iso(s.updatedAt),
      live: (heartbeats.get(s.instance) ?? 0) >= now - staleAfterMs,
    })),
    overrides: overrides
      .sort((a, b) => a.breaker.localeCompare(b.breaker))
      .map(({ updatedAt, ...o }) => ({ ...o, updated: iso(updatedAt) })),
  };
}

function columns(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function table(listing: Listing): string {
  const parts: string[] = [];
  if (listing.states.length === 0) parts.push('no breaker states published');
  else {
    parts.push(
      columns([
        ['INSTANCE', 'BREAKER', 'STATE', 'CAUSE', 'SINCE', 'UPDATED', 'LIVE'],
        ...listing.states.map((s) => [
          s.instance,
          s.breaker,
          s.state,
          s.cause,
          s.since,
          s.updated,
          s.live ? 'yes' : 'stale',
        ]),
      ]),
    );
  }
  if (listing.overrides.length > 0) {
    parts.push(
      `\n${columns([
        ['OVERRIDE', 'MODE', 'VERSION', 'ACTOR', 'UPDATED'],
        ...listing.overrides.map((o) => [o.breaker, o.mode, String(o.version), o.actor, o.updated]),
      ])}`,
    );
  }
  return `${parts.join('\n')}\n`;
}

async function withStore(
  io: CliIo,
  flags: BreakerFlags,
  fn: (store: Store) => Promise<void>,
): Promise<void> {
  const store = openStore(flags.store ?? storeUrlFromEnv(io.env), { cwd: io.cwd });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

function parseStaleAfter(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CLI_STALE_AFTER_MS;
  const ms = parseDuration(value);
  if (ms === undefined || ms < 1) {
    throw new CliExit(
      EXIT.usage,
      `--stale-after must be a duration: milliseconds or with a unit, e.g. 15000 or 15s (got "${value}")`,
    );
  }
  return ms;
}
