import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { localActor } from '../admin/actor.js';
import { RECOGNITION_QUOTAS } from '../quota/defaults.js';
import type { QuotaDefinition } from '../quota/definition.js';
import { createQuotas, type Quotas } from '../quota/quotas.js';
import type { DailyUsage, IncreaseRequest } from '../quota/records.js';
import type { UsageReport } from '../quota/report.js';
import { missingTables } from '../store/missing-tables.js';
import { openStore, storeUrlFromEnv } from '../store/open.js';
import { CliExit, type CliIo, EXIT } from './io.js';

/** Options shared by every `quota` subcommand (given before or after the subcommand). */
interface QuotaFlags {
  store?: string;
  actor?: string;
  definitions?: string;
  json?: boolean;
}

/**
 * `breakwater quota usage <org> | requests | request <org> <quota> <limit> | approve <id> |
 * reject <id>`: works directly on the store named by `--store` or BREAKWATER_STORE.
 */
export function quotaCommand(io: CliIo): Command {
  const quota = new Command('quota')
    .description('quota usage and quota increase requests')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .option('--store <url>', 'store URL (default: BREAKWATER_STORE or sqlite:.breakwater/state.db)')
    .option('--actor <who>', 'who is acting, recorded on decisions (default: user@host)')
    .option('--definitions <file>', 'JSON array of quota definitions (default: RECOGNITION_QUOTAS)')
    .option('--json', 'print JSON for scripts');

  const action =
    (
      fn: (
        quotas: Quotas,
        flags: QuotaFlags,
        args: string[],
        own: Record<string, string>,
      ) => Promise<void>,
    ) =>
    async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      const flags = command.optsWithGlobals<QuotaFlags>();
      const args = params.slice(0, -2).filter((p): p is string => typeof p === 'string');
      await withQuotas(io, flags, (quotas) =>
        fn(quotas, flags, args, command.opts<Record<string, string>>()),
      );
    };
  const print = (flags: QuotaFlags, value: unknown, text: string) =>
    io.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : text);

  quota
    .command('usage')
    .description("an organization's usage per quota, with daily history")
    .argument('<organization>')
    .option('--user <id>', 'include per-user quotas for this user')
    .option('--days <n>', 'days of history (default 7)', '7')
    .action(
      action(async (quotas, flags, [organization = ''], own) => {
        const report = await quotas.usage({ organization, user: own.user });
        const history = await quotas.history(organization, count(own.days ?? '7', 400));
        print(flags, { ...report, history }, usageTable(report, history));
      }),
    );

  quota
    .command('requests')
    .description('quota increase requests (default: pending)')
    .option('--status <status>', 'pending, approved, rejected or all', 'pending')
    .option('--org <organization>', 'only this organization')
    .action(
      action(async (quotas, flags, _args, own) => {
        const status = own.status === 'all' ? undefined : (own.status as IncreaseRequest['status']);
        const requests = await quotas.listRequests({
          ...(status ? { status } : {}),
          ...(own.org ? { organization: own.org } : {}),
        });
        print(flags, requests, requestsTable(requests));
      }),
    );

  quota
    .command('request')
    .description('file a quota increase request for an organization')
    .argument('<organization>')
    .argument('<quota>')
    .argument('<limit>', 'the limit asked for')
    .requiredOption('--reason <text>', 'why the organization needs it')
    .action(
      action(async (quotas, flags, [organization = '', name = '', limit = ''], own) => {
        const request = await quotas.requestIncrease({
          organization,
          quota: name,
          limit: number(limit),
          reason: own.reason ?? '',
          actor: flags.actor ?? localActor(io.env),
        });
        print(flags, request, `${request.id} pending: ${describe(request)}\n`);
      }),
    );

  for (const verb of ['approve', 'reject'] as const) {
    const command = quota
      .command(verb)
      .description(`${verb} a pending quota increase request`)
      .argument('<id>')
      .option('--note <text>', 'a note recorded with the decision');
    if (verb === 'approve') command.option('--limit <n>', 'grant this limit instead');
    command.action(
      action(async (quotas, flags, [id = ''], own) => {
        const decision = {
          actor: flags.actor ?? localActor(io.env),
          ...(own.note ? { note: own.note } : {}),
          ...(own.limit ? { limit: number(own.limit) } : {}),
        };
        const request =
          verb === 'approve'
            ? await quotas.approve(id, decision)
            : await quotas.reject(id, decision);
        print(
          flags,
          request,
          `${request.id} ${request.status} by ${request.decidedBy}: ${describe(request)}\n`,
        );
      }),
    );
  }
  return quota;
}

async function withQuotas(io: CliIo, flags: QuotaFlags, fn: (quotas: Quotas) => Promise<void>) {
  const definitions = flags.definitions
    ? readDefinitions(path.resolve(io.cwd, flags.definitions))
    : RECOGNITION_QUOTAS;
  const store = openStore(flags.store ?? storeUrlFromEnv(io.env), { cwd: io.cwd });
  try {
    // the CLI is the only caller: a failing store is an error here, never a fallback
    const quotas = createQuotas({
      store,
      definitions: definitions.map((d) => ({ ...d, onStoreFailure: 'closed' })),
      storeTimeoutMs: 10_000,
    });
    await fn(quotas);
  } catch (error) {
    // a step wraps the store's error (BW_QUOTA_STORE_UNAVAILABLE): the cause names the table
    throw missingTables(error, store.url, 'quota');
  } finally {
    await store.close();
  }
}

function readDefinitions(file: string): QuotaDefinition[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliExit(
      EXIT.usage,
      `--definitions ${file}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (!Array.isArray(parsed))
    throw new CliExit(EXIT.usage, `--definitions ${file}: expected a JSON array`);
  return parsed as QuotaDefinition[];
}

function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  }
  return n;
}

function count(value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new CliExit(EXIT.usage, `expected a whole number from 1 to ${max}, got "${value}"`);
  }
  return n;
}

const describe = (r: IncreaseRequest): string =>
  `${r.organization} ${r.quota} ${r.currentLimit} -> ${r.grantedLimit ?? r.requestedLimit}`;

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));

function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length))) ?? [];
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, c) => cell.padEnd(widths[c] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

function usageTable(report: UsageReport, history: DailyUsage[]): string {
  const rows = [['QUOTA', 'USED', 'LIMIT', 'REMAINING', 'RESETS', 'OVERAGE', 'FLAGS']];
  for (const q of report.quotas) {
    const flags = [
      q.warning ? 'warning' : '',
      q.overridden ? 'override' : '',
      q.enforcement === 'soft' ? 'soft' : '',
    ]
      .filter(Boolean)
      .join(',');
    rows.push([
      q.quota,
      fmt(q.used),
      fmt(q.limit),
      fmt(q.remaining),
      q.resetAt ?? '-',
      fmt(q.overage),
      flags,
    ]);
  }
  let out = `usage of ${report.organization} at ${report.at}\n${table(rows)}`;
  if (history.length > 0) {
    const days = [['DAY', 'QUOTA', 'USED', 'REFUSED', 'OVERAGE']];
    for (const h of history)
      days.push([h.day, h.quota, fmt(h.used), fmt(h.refused), fmt(h.overage)]);
    out += `\ndaily history\n${table(days)}`;
  }
  return out;
}

function requestsTable(requests: IncreaseRequest[]): string {
  if (requests.length === 0) return 'no quota requests\n';
  const rows = [['ID', 'ORGANIZATION', 'QUOTA', 'LIMIT', 'STATUS', 'BY', 'AT', 'REASON']];
  for (const r of requests) {
    rows.push([
      r.id,
      r.organization,
      r.quota,
      `${fmt(r.currentLimit)} -> ${fmt(r.grantedLimit ?? r.requestedLimit)}`,
      r.status,
      r.decidedBy ?? r.requestedBy,
      r.decidedAt ?? r.requestedAt,
      r.reason.replace(/\s+/g, ' ').slice(0, 60),
    ]);
  }
  return table(rows);
}
