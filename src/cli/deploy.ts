import path from 'node:path';
import { Command } from 'commander';
import { localActor } from '../admin/actor.js';
import { findConfigFile, loadConfig } from '../config/load.js';
import {
  type AdminClient,
  AdminRefusal,
  createAdminClient,
  type DeployView,
} from '../deploy/admin-client.js';
import { readAdminTokenFile } from '../deploy/admin-token-file.js';
import { historyText, progressLine, statusText } from '../deploy/format.js';
import { isBreakwaterError } from '../errors/breakwater-error.js';
import { CliExit, type CliIo, EXIT } from './io.js';

/** Flags every deploy command takes. */
interface AdminFlags {
  config?: string;
  admin?: string;
  json?: boolean;
}

export const POLL_INTERVAL_MS = 200;

const withAdminFlags = (command: Command) =>
  command
    .option('--config <path>', 'config file naming the admin address (default: found here)')
    .option(
      '--admin <url>',
      'admin API URL (default: BREAKWATER_ADMIN_URL, the config, or http://127.0.0.1:9090)',
    )
    .option('--json', 'print JSON for scripts');

/** Finds the admin API and its token: flags, then environment, then config and `.breakwater/admin-token`. */
async function adminClient(io: CliIo, flags: AdminFlags): Promise<AdminClient> {
  const file = flags.config ? path.resolve(io.cwd, flags.config) : findConfigFile(io.cwd);
  const config = file ? await loadConfig({ file, cwd: io.cwd, env: io.env }) : undefined;
  const host = config?.admin.host === '0.0.0.0' ? '127.0.0.1' : (config?.admin.host ?? '127.0.0.1');
  const url =
    flags.admin ??
    io.env.BREAKWATER_ADMIN_URL?.trim() ??
    `http://${host.includes(':') ? `[${host}]` : host}:${config?.admin.port ?? 9090}`;
  const token =
    io.env.BREAKWATER_ADMIN_TOKEN?.trim() ||
    config?.admin.token ||
    readAdminTokenFile(config?.stateDir ?? path.join(io.cwd, '.breakwater'));
  if (!token) {
    throw new CliExit(
      EXIT.usage,
      'no admin token: set BREAKWATER_ADMIN_TOKEN or run this where breakwater up wrote .breakwater/admin-token',
    );
  }
  return createAdminClient({ url, token, actor: localActor(io.env) });
}

/** Runs a command body: a refusal (409) exits 1, any other failure exits 2, one line each. */
function action<T extends AdminFlags>(
  io: CliIo,
  fn: (client: AdminClient, flags: T, args: string[]) => Promise<void>,
) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const flags = command.opts<T>();
    try {
      await fn(await adminClient(io, flags), flags, command.args);
    } catch (error) {
      if (error instanceof CliExit) throw error;
      if (error instanceof AdminRefusal) {
        throw new CliExit(
          error.status === 409 ? EXIT.failed : EXIT.usage,
          `${error.message} [${error.code}]`,
        );
      }
      const message = isBreakwaterError(error)
        ? `${error.message} [${error.code}]`
        : (error as Error).message;
      throw new CliExit(EXIT.usage, message.split('\n')[0]);
    }
  };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Follows a deploy until it ends; one rewritten line on a TTY, a line per phase otherwise. */
async function follow(
  io: CliIo,
  client: AdminClient,
  id: number,
  asJson: boolean,
): Promise<DeployView> {
  const tty = io.stdout.isTTY === true && !asJson;
  let lastPhase = '';
  for (;;) {
    const deploy = await client.get(id);
    const line = progressLine(deploy);
    const phase = deploy.outcome ?? deploy.live?.phase ?? '';
    if (tty) io.stdout.write(`\r\x1b[2K${line}${deploy.outcome ? '\n' : ''}`);
    else if (!asJson && phase !== lastPhase) io.stdout.write(`${line}\n`);
    lastPhase = phase;
    if (deploy.outcome !== null) return deploy;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** `breakwater deploy`: exits 0 when promoted, 1 when it failed or was refused, 2 on error. */
export function deployCommand(io: CliIo): Command {
  return withAdminFlags(new Command('deploy'))
    .description('deploy a new version (blue-green or canary) through the running router')
    .option(
      '--command <command>',
      'command that runs the new version (default: the configured app command)',
    )
    .option('--label <label>', 'version label, e.g. v2 (default: the next number)')
    .option('--strategy <strategy>', 'blue-green or canary', 'blue-green')
    .option(
      '--steps <steps>',
      'canary steps in percent, "pause" for an approval gate (e.g. 10,pause,50,100)',
    )
    .option('--interval <duration>', 'canary analysis interval per step, e.g. 30s')
    .option('--emergency', 'hotfix: keep the health gate and checks, skip the canary steps')
    .action(
      action<
        AdminFlags & {
          command?: string;
          label?: string;
          strategy: string;
          steps?: string;
          interval?: string;
          emergency?: boolean;
        }
      >(io, async (client, flags) => {
        const id = await client.deploy({
          strategy: flags.strategy,
          ...(flags.command ? { command: flags.command } : {}),
          ...(flags.label ? { label: flags.label } : {}),
          ...(flags.steps ? { steps: flags.steps } : {}),
          ...(flags.interval ? { interval: flags.interval } : {}),
          ...(flags.emergency ? { emergency: true } : {}),
        });
        const deploy = await follow(io, client, id, flags.json === true);
        if (flags.json) io.stdout.write(json(deploy));
        if (deploy.outcome !== 'promoted')
          throw new CliExit(
            EXIT.failed,
            `deploy #${id} ${deploy.outcome}: ${deploy.reason ?? 'no reason recorded'}`,
          );
      }),
    );
}

export function statusCommand(io: CliIo): Command {
  return withAdminFlags(new Command('status'))
    .description('the active and standby versions and any deploy under way')
    .action(
      action(io, async (client, flags) => {
        const status = await client.status();
        io.stdout.write(flags.json ? json(status) : statusText(status));
      }),
    );
}

export function historyCommand(io: CliIo): Command {
  return withAdminFlags(new Command('history'))
    .description('every deploy, rollback and abort: who, when, phases, outcome and reason')
    .option('--limit <n>', 'how many, newest first', '20')
    .action(
      action<AdminFlags & { limit: string }>(io, async (client, flags) => {
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          throw new CliExit(EXIT.usage, 'history: --limit must be a whole number from 1 to 1000');
        const records = await client.history(limit);
        io.stdout.write(flags.json ? json(records) : historyText(records));
      }),
    );
}

/** A command that asks the router for one action and prints the resulting history entry. */
function entryCommand(
  io: CliIo,
  name: string,
  description: string,
  call: (client: AdminClient) => Promise<DeployView>,
): Command {
  return withAdminFlags(new Command(name))
    .description(description)
    .action(
      action(io, async (client, flags) => {
        const deploy = await call(client);
        io.stdout.write(flags.json ? json(deploy) : `${progressLine(deploy)}\n`);
      }),
    );
}

export const rollbackCommand = (io: CliIo): Command =>
  entryCommand(
    io,
    'rollback',
    'switch back to the standby at once (inside the rollback window), or roll a canary back',
    (client) => client.rollback(),
  );

export const pauseCommand = (io: CliIo): Command =>
  entryCommand(
    io,
    'pause',
    'pause the canary steps under way (rollback triggers keep watching)',
    (client) => client.pause(),
  );

export const resumeCommand = (io: CliIo): Command =>
  entryCommand(
    io,
    'resume',
    'resume a paused canary (at a pause step: go on to the next step)',
    (client) => client.resume(),
  );

export const promoteCommand = (io: CliIo): Command =>
  entryCommand(
    io,
    'promote',
    'skip the remaining canary steps: the new version takes every request',
    (client) => client.promote(),
  );

export const abortCommand = (io: CliIo): Command =>
  entryCommand(
    io,
    'abort',
    'abort the deploy under way; the active version keeps serving',
    (client) => client.abort(),
  );
