import { Command } from 'commander';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { openStore, storeUrlFromEnv } from '../store/open.js';
import { changelog, formatChangelog } from '../versioning/changelog.js';
import { DEFAULT_VERSIONS_MODULE, loadVersionSet } from '../versioning/load.js';
import { versionPinStore } from '../versioning/open.js';
import type { VersionPinStore } from '../versioning/store.js';
import { parseVersion, schemeOf } from '../versioning/version-id.js';
import type { CliIo } from './io.js';

/** Options shared by every `versions` subcommand (given before or after the subcommand). */
interface VersionsFlags {
  store?: string;
  module?: string;
  json?: boolean;
}

const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** `breakwater versions pin <org> <version> | show <org> | changelog`. */
export function versionsCommand(io: CliIo): Command {
  const versions = new Command('versions')
    .description("API versions: the changelog, and organizations' pinned versions")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .option('--store <url>', 'store URL (default: BREAKWATER_STORE or sqlite:.breakwater/state.db)')
    .option(
      '--module <path>',
      `file exporting the version set (default: BREAKWATER_VERSIONS_MODULE or ${DEFAULT_VERSIONS_MODULE})`,
    )
    .option('--json', 'print JSON for scripts');

  const flagsOf = (command: Command) => command.optsWithGlobals<VersionsFlags>();
  const modulePath = (flags: VersionsFlags) =>
    flags.module ?? io.env.BREAKWATER_VERSIONS_MODULE ?? DEFAULT_VERSIONS_MODULE;

  versions
    .command('changelog')
    .description('the changelog generated from the change modules, newest version first')
    .action(async (_options: unknown, command: Command) => {
      const flags = flagsOf(command);
      const entries = changelog(await loadVersionSet(modulePath(flags), io.cwd));
      io.stdout.write(flags.json ? toJson(entries) : formatChangelog(entries));
    });

  versions
    .command('pin')
    .description("set or move an organization's pinned version")
    .argument('<org>', 'organization id')
    .argument('<version>', 'version to pin (checked against --module when given)')
    .action(async (org: string, version: string, _options: unknown, command: Command) => {
      const flags = flagsOf(command);
      const canonical = await checkedVersion(version, flags, modulePath(flags), io);
      await withPins(io, flags, async (pins) => {
        const previous = await pins.getPin(org);
        const pin = await pins.setPin(org, canonical);
        const result = { ...pin, previous: previous?.version ?? null };
        io.stdout.write(
          flags.json
            ? toJson(result)
            : `${org} pinned to ${pin.version}${previous ? ` (was ${previous.version})` : ''}\n`,
        );
      });
    });

  versions
    .command('show')
    .description("an organization's pinned version")
    .argument('<org>', 'organization id')
    .action(async (org: string, _options: unknown, command: Command) => {
      const flags = flagsOf(command);
      await withPins(io, flags, async (pins) => {
        const pin = await pins.getPin(org);
        if (flags.json) io.stdout.write(toJson(pin ?? { orgId: org, version: null }));
        else if (pin) {
          io.stdout.write(
            `${org}: ${pin.version} (since ${new Date(pin.pinnedAt).toISOString()})\n`,
          );
        } else io.stdout.write(`${org}: not pinned\n`);
      });
    });
  return versions;
}

/**
 * The canonical version to pin: one the version set declares when `--module` (or the
 * environment) names it, else any well-formed version.
 */
async function checkedVersion(
  raw: string,
  flags: VersionsFlags,
  module: string,
  io: CliIo,
): Promise<string> {
  if (flags.module !== undefined || io.env.BREAKWATER_VERSIONS_MODULE !== undefined) {
    const set = await loadVersionSet(module, io.cwd);
    const parsed = set.parse(raw);
    if (parsed.kind === 'known') return parsed.id;
    throw new BreakwaterError(
      errors.VERSION_UNKNOWN,
      `"${raw}" is not a version of ${module} (${set.ids.join(', ')})`,
    );
  }
  const scheme = schemeOf(raw);
  const canonical = scheme === undefined ? undefined : parseVersion(scheme, raw);
  if (canonical === undefined) {
    throw new BreakwaterError(
      errors.VERSION_UNKNOWN,
      `"${raw}" is not a version (v<n> or YYYY-MM-DD)`,
    );
  }
  return canonical;
}

/** Opens the store the flags (or the environment) name, and always closes it. */
async function withPins(
  io: CliIo,
  flags: VersionsFlags,
  fn: (pins: VersionPinStore) => Promise<void>,
): Promise<void> {
  const store = openStore(flags.store ?? storeUrlFromEnv(io.env), { cwd: io.cwd });
  try {
    await fn(versionPinStore(store));
  } finally {
    await store.close();
  }
}
