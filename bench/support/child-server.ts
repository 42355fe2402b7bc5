import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A server under benchmark, running in its own child process. */
export interface ChildServer {
  url: string;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** tsx's loader by absolute URL, so the child can run in any working directory. */
const TSX_LOADER = import.meta.resolve('tsx');
export const DEFAULT_START_TIMEOUT_MS = 30_000;
const POLL_MS = 50;

/**
 * Spawns `file` as `node --import tsx` (one process, so SIGTERM reaches the server itself
 * rather than the tsx CLI's relay) and resolves once it prints `listening on <url>`. Its
 * output goes to `logFile`, not a pipe: a request log is part of what is measured, and a pipe
 * that the busy benchmark process drains late would block the server's synchronous writes.
 */
export async function startServer(
  file: string,
  options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<ChildServer> {
  const out = openSync(options.logFile, 'w');
  const child = spawn(process.execPath, ['--import', TSX_LOADER, path.resolve(file)], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const stop = async (timeoutMs = 15_000): Promise<number | null> => {
    if (exitCode !== undefined) return exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  for (;;) {
    const text = readFileSync(options.logFile, 'utf8');
    const url = /listening on (http:\/\/\S+)/.exec(text)?.[1];
    if (url) return { url, child, stop };
    if (exitCode !== undefined || Date.now() > deadline) {
      await stop(1_000);
      throw new Error(`${file} did not start (exit ${exitCode}):\n${text.slice(-4_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
