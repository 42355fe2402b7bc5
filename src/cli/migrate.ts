import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../config/duration.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { restoreBackup } from '../migrate/backup.js';
import { createMigrationFile } from '../migrate/create-file.js';
import {
  appliedSummary,
  dryRunReport,
  lintReport,
  progressLine,
  statusTable,
  toJson,
} from '../migrate/format.js';
import { createMigrator, type Migrator } from '../migrate/migrator.js';
import { DEFAULT_BACKUP_DIR } from '../migrate/options.js';
import { DEFAULT_STATE_TABLE } from '../migrate/state-table.js';
import type { MigrationProgress } from '../migrate/types.js';
import { openStore, storeUrlFromEnv } from '../store/open.js';
import type { SqlStore } from '../store/types.js';
import { CliExit, type CliIo, EXIT } from './io.js';

/** Options shared by every `migrate` subcommand (given before or after the subcommand). */
interface MigrateFlags {
  dir: string;
  store?: string;
  table: string;
  lockTimeout?: number;
  backup: boolean;
  force?: boolean;
  json?: boolean;
}

export const DEFAULT_MIGRATION_DIR = './migrations';

/** `breakwater migrate up|down [n]|status|validate|dry-run|lint|create <name>|restore <file>`. */
export function migrateCommand(io: CliIo): Command {
  const migrate = new Command('migrate')
    .description('apply, revert and inspect SQL migrations safely')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .option('--dir <path>', 'migration directory', DEFAULT_MIGRATION_DIR)
    .option('--store <url>', 'store URL (default: BREAKWATER_STORE or sqlite:.breakwater/state.db)')
    .option('--table <name>', 'state table', DEFAULT_STATE_TABLE)
    .option('--lock-timeout <ms>', "how long to wait for another run's lock", parseLockTimeout)
    .option('--no-backup', 'do not back the store up before applying')
    .option('--force', 'apply despite lint findings')
    .option('--json', 'print JSON for scripts');

  const action =
    (fn: (migrator: Migrator, flags: MigrateFlags, args: string[]) => Promise<void>) =>
    async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      const flags = command.optsWithGlobals<MigrateFlags>();
      const args = params.slice(0, -2).filter((p): p is string => typeof p === 'string');
      await withStore(io, flags, (store) => fn(migratorFor(io, store, flags), flags, args));
    };

  migrate
    .command('up')
    .description('apply pending migrations (backup and lint first)')
    .option('--to <name>', 'stop after this migration (file name or number)')
    .action(
      action(async (migrator, flags) => {
        const to = (flags as MigrateFlags & { to?: string }).to;
        const done = await migrator.up({ backup: flags.backup, force: flags.force === true, to });
        io.stdout.write(flags.json ? toJson({ applied: done }) : appliedSummary('up', done));
      }),
    );
  migrate
    .command('down')
    .description('revert the last n applied migrations (default 1)')
    .argument('[n]', 'how many', '1')
    .action(
      action(async (migrator, flags, [n = '1']) => {
        const done = await migrator.down(parseCount(n));
        io.stdout.write(flags.json ? toJson({ reverted: done }) : appliedSummary('down', done));
      }),
    );
  migrate
    .command('status')
    .description('every migration with its state, applied time, author and duration')
    .action(
      action(async (migrator, flags) => {
        const statuses = await migrator.status();
        io.stdout.write(flags.json ? toJson(statuses) : statusTable(statuses));
      }),
    );
  migrate
    .command('validate')
    .description('fail when an applied migration was edited or deleted')
    .action(
      action(async (migrator, flags) => {
        await migrator.validate();
        io.stdout.write(flags.json ? toJson({ ok: true }) : 'ok: applied migrations are intact\n');
      }),
    );
  migrate
    .command('dry-run')
    .description('run pending migrations in a transaction that is rolled back')
    .action(
      action(async (migrator, flags) => {
        const result = await migrator.dryRun();
        io.stdout.write(flags.json ? toJson(result) : dryRunReport(result));
      }),
    );
  migrate
    .command('lint')
    .description('lint every SQL migration; exits 1 when there are findings')
    .action(
      action(async (migrator, flags) => {
        const findings = await migrator.lint();
        io.stdout.write(flags.json ? toJson(findings) : lintReport(findings));
        if (findings.length > 0) {
          throw new CliExit(EXIT.failed, `${findings.length} lint finding(s)`);
        }
      }),
    );
  migrate
    .command('create')
    .description('write the next NNNN_<name>.sql with up and down sections')
    .argument('<name>', 'what the migration does, e.g. "add users"')
    .action(async (name: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<MigrateFlags>();
      const file = await createMigrationFile(path.resolve(io.cwd, flags.dir), name);
      io.stdout.write(flags.json ? toJson({ file }) : `${file}\n`);
    });
  migrate
    .command('restore')
    .description('restore the store from a backup file')
    .argument('<file>', 'backup file written by migrate up')
    .action(async (file: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<MigrateFlags>();
      const resolved = path.resolve(io.cwd, file);
      await withStore(io, flags, (store) => restoreBackup(store, resolved));
      io.stdout.write(flags.json ? toJson({ restored: resolved }) : `restored ${resolved}\n`);
    });
  return migrate;
}

/** Opens the SQL store the flags (or the environment) name, and always closes it. */
async function withStore(
  io: CliIo,
  flags: MigrateFlags,
  fn: (store: SqlStore) => Promise<void>,
): Promise<void> {
  const store = openStore(flags.store ?? storeUrlFromEnv(io.env), { cwd: io.cwd });
  try {
    if (store.kind === 'redis') {
      throw new BreakwaterError(
        errors.STORE_UNSUPPORTED,
        `migrations need a SQL store (sqlite: or postgres://), not ${store.url}`,
      );
    }
    await fn(store);
  } finally {
    await store.close();
  }
}

function migratorFor(io: CliIo, store: SqlStore, flags: MigrateFlags): Migrator {
  return createMigrator({
    store,
    dir: path.resolve(io.cwd, flags.dir),
    table: flags.table,
    backupDir: path.resolve(io.cwd, DEFAULT_BACKUP_DIR),
    ...(flags.lockTimeout === undefined ? {} : { lockTimeoutMs: flags.lockTimeout }),
    ...(flags.json ? {} : { onProgress: progressPrinter(io) }),
  });
}

/** Plain lines; on a TTY the running migration is one live line, rewritten when it ends. */
function progressPrinter(io: CliIo): (event: MigrationProgress) => void {
  let live = false;
  return (event) => {
    const line = progressLine(event);
    if (line === undefined) return;
    if (io.stdout.isTTY === true) {
      io.stdout.write(`${live ? '\r\x1b[2K' : ''}${line}${event.type === 'start' ? ' ...' : '\n'}`);
      live = event.type === 'start';
    } else {
      io.stdout.write(`${line}\n`);
    }
  };
}

function parseLockTimeout(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined)
    throw new InvalidArgumentError(
      'expected a duration: milliseconds or with a unit, e.g. 60000 or 60s',
    );
  return ms;
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new CliExit(
      EXIT.usage,
      `migrate down: n must be a positive whole number, got "${value}"`,
    );
  }
  return Number(value);
}
