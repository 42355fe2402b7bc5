import { readFileSync } from 'node:fs';

/** The environment variable that marks a process as one of our instances. */
export const INSTANCE_ENV = 'BREAKWATER_INSTANCE';

/**
 * Whether `pid` is still our instance `instance`: on Linux its environment must carry the
 * marker (a reused pid never does). Elsewhere, whether the pid is alive at all.
 */
export function isOurInstance(pid: number, instance: string): boolean {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    return environ.split('\0').includes(`${INSTANCE_ENV}=${instance}`);
  } catch {
    if (process.platform === 'linux') return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** Whether `pid` still runs; a zombie (exited, not yet reaped by its new parent) does not. */
export const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
};

/** Signals a process group (our instances lead one), else the single process. */
export const signalGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {}
  }
};

/**
 * Stops an instance left running by a router that died (SIGKILL): SIGTERM to its process
 * group, SIGKILL after `graceMs`. Returns whether there was one to stop.
 */
export async function stopOrphan(pid: number, instance: string, graceMs: number): Promise<boolean> {
  if (!isOurInstance(pid, instance)) return false;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isRunning(pid)) signalGroup(pid, 'SIGKILL');
  return true;
}
