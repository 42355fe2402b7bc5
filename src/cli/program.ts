import { Command, CommanderError } from 'commander';
import { isBreakwaterError } from '../errors/breakwater-error.js';
import { breakersCommand } from './breakers.js';
import {
  abortCommand,
  deployCommand,
  historyCommand,
  pauseCommand,
  promoteCommand,
  resumeCommand,
  rollbackCommand,
  statusCommand,
} from './deploy.js';
import { CliExit, type CliIo, EXIT } from './io.js';
import { jobsCommand } from './jobs.js';
import { migrateCommand } from './migrate.js';
import { quotaCommand } from './quota.js';
import { upCommand } from './up.js';
import { versionsCommand } from './versions.js';
import { workerCommand } from './worker.js';

/** Each command module contributes one top-level command. Add new ones here. */
const COMMANDS: Array<(io: CliIo) => Command> = [
  migrateCommand,
  quotaCommand,
  jobsCommand,
  workerCommand,
  breakersCommand,
  versionsCommand,
  upCommand,
  deployCommand,
  statusCommand,
  historyCommand,
  rollbackCommand,
  abortCommand,
  pauseCommand,
  resumeCommand,
  promoteCommand,
];

export function buildProgram(io: CliIo): Command {
  const program = new Command('breakwater')
    .description('The reliability layer for Node.js HTTP services')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  for (const command of COMMANDS) program.addCommand(command(io).exitOverride());
  return program;
}

/**
 * Runs the CLI and returns the exit code: 0 on success, 1 when the operation failed, 2 on a
 * usage error. Failures print exactly one line on stderr, never a stack trace.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message; help and version are not failures
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliExit) {
      if (error.message) io.stderr.write(`breakwater: ${error.message}\n`);
      return error.exitCode;
    }
    const message = isBreakwaterError(error)
      ? `${error.message} [${error.code}]`
      : error instanceof Error
        ? error.message
        : String(error);
    io.stderr.write(`breakwater: ${message.split('\n')[0]}\n`);
    return EXIT.failed;
  }
}
