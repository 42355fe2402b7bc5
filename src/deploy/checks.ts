import { spawn } from 'node:child_process';
import type { Command, ConsistencyCheck, SmokeCheck } from '../config/schema.js';
import type { SqlStore } from '../store/types.js';

/**
 * Runs the smoke checks against green directly (not through the router). An HTTP check
 * passes on the expected status (default 200); a command check on exit code 0, with
 * `BREAKWATER_TARGET_URL` set to green's URL. Resolves with the first failure's reason.
 */
export async function runSmokeChecks(
  checks: readonly SmokeCheck[],
  targetUrl: string,
  options: { timeoutMs: number; cwd: string; signal: AbortSignal },
): Promise<string | undefined> {
  for (const check of checks) {
    if (options.signal.aborted) return 'aborted';
    if ('command' in check) {
      const reason = await runCommand(check.command, targetUrl, options);
      if (reason) return `smoke command ${describe(check.command)}: ${reason}`;
      continue;
    }
    const method = check.method ?? 'GET';
    const expect = check.expectStatus ?? 200;
    try {
      const response = await fetch(new URL(check.path, targetUrl), {
        method,
        signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      await response.arrayBuffer();
      if (response.status !== expect) {
        return `smoke ${method} ${check.path}: expected ${expect}, got ${response.status}`;
      }
    } catch (error) {
      return `smoke ${method} ${check.path}: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`;
    }
  }
  return undefined;
}

const describe = (command: Command) =>
  JSON.stringify(typeof command === 'string' ? command : command.join(' '));

function runCommand(
  command: Command,
  targetUrl: string,
  options: { timeoutMs: number; cwd: string; signal: AbortSignal },
): Promise<string | undefined> {
  const [file, args] =
    typeof command === 'string'
      ? ['/bin/sh', ['-c', command]]
      : [command[0] as string, command.slice(1)];
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...process.env, BREAKWATER_TARGET_URL: targetUrl },
      stdio: 'ignore',
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
    child.once('error', (error) =>
      resolve(error.name === 'AbortError' ? 'timed out or aborted' : error.message),
    );
    child.once('exit', (code, signal) =>
      resolve(code === 0 ? undefined : `exited with ${signal ?? `code ${code}`}`),
    );
  });
}

/**
 * Runs the data-consistency checks: each SQL query against the store must return no rows.
 * Resolves with the first failure's reason.
 */
export async function runConsistencyChecks(
  checks: readonly ConsistencyCheck[],
  store: SqlStore,
): Promise<string | undefined> {
  for (const check of checks) {
    try {
      const rows =
        store.kind === 'sqlite'
          ? store.db.prepare(check.sql).all().length
          : (await store.pool.query(check.sql)).rows.length;
      if (rows > 0) return `consistency check "${check.name}" returned ${rows} row(s)`;
    } catch (error) {
      return `consistency check "${check.name}" failed: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  return undefined;
}
