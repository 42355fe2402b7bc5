import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { streamSink } from '../deploy/output.js';
import { type Breakwater, startBreakwater } from '../deploy/runtime.js';
import { isBreakwaterError } from '../errors/breakwater-error.js';
import { CliExit, type CliIo, EXIT } from './io.js';

/**
 * `breakwater up [--config path]`: runs the router and the admin API for the service in the
 * config file, restores the deploy state and starts the active version; SIGTERM or SIGINT
 * drains and stops everything.
 */
export function upCommand(io: CliIo): Command {
  return new Command('up')
    .description('run the router and the admin API, and start the active version of the app')
    .option('--config <path>', 'config file (default: breakwater.config.{ts,js,json} here)')
    .action(async (flags: { config?: string }) => {
      let bw: Breakwater;
      let config: ResolvedConfig;
      const sink = streamSink(io.stdout);
      try {
        config = await loadConfig({
          cwd: io.cwd,
          env: io.env,
          ...(flags.config ? { file: flags.config } : {}),
        });
        bw = await startBreakwater(config, { sink, env: io.env });
      } catch (error) {
        const message = isBreakwaterError(error)
          ? `${error.message} [${error.code}]`
          : (error as Error).message;
        throw new CliExit(EXIT.usage, message.split('\n')[0]);
      }
      sink.write(
        `breakwater: ${config.service}: router on ${bw.routerUrl}, admin API on ${bw.adminUrl}`,
      );
      if (bw.tokenFile) {
        sink.write(`breakwater: admin token (generated): ${bw.token}`);
        sink.write(
          `breakwater: saved to ${path.relative(io.cwd, bw.tokenFile) || bw.tokenFile} (mode 0600) for the local CLI`,
        );
      }
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          sink.write(`breakwater: ${signal}: draining and stopping`);
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          void bw.close().then(resolve);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      sink.write('breakwater: stopped');
    });
}
