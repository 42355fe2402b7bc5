import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Command } from '../config/schema.js';
import { INSTANCE_ENV, signalGroup } from './orphans.js';
import { instancePrefix, type LineSink, pipeLines } from './output.js';
import type { Color } from './state.js';

export const DEFAULT_RESTART_BACKOFF_MS = 200;
export const DEFAULT_MAX_RESTART_BACKOFF_MS = 10_000;
/** An instance that stayed up this long has its backoff reset. */
const STABLE_AFTER_MS = 30_000;

export interface InstanceOptions {
  color: Color;
  label: string;
  command: Command;
  cwd: string;
  env: Record<string, string>;
  port: number;
  sink: LineSink;
  /** Restart after an unexpected exit (with backoff); off for a green under test. */
  restart: boolean;
  /** After SIGTERM, how long before SIGKILL. */
  stopGraceMs: number;
  /** Called with each new process: the caller persists the pid to stop orphans later. */
  onSpawn?: (pid: number, instance: string) => void;
  restartBackoffMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One supervised app process: spawned in its own process group with `PORT` set, output
 * prefixed with its color and label, restarted with exponential backoff when it crashes,
 * stopped with SIGTERM then SIGKILL after a grace period.
 */
export class Instance {
  readonly instance = randomBytes(8).toString('hex');
  readonly url: string;
  restart: boolean;
  restarts = 0;
  private child: ChildProcess | undefined;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private exitWaiters: Array<(info: ExitInfo) => void> = [];

  constructor(private readonly options: InstanceOptions) {
    this.url = `http://127.0.0.1:${options.port}`;
    this.restart = options.restart;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Resolves when the current process exits (at once if none runs). */
  nextExit(): Promise<ExitInfo> {
    if (!this.running) return Promise.resolve({ code: this.child?.exitCode ?? null, signal: null });
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  start(): void {
    const { command, cwd, env, port, sink, color, label } = this.options;
    const prefix = instancePrefix(sink, color, label);
    const childEnv = {
      ...process.env,
      ...env,
      PORT: String(port),
      [INSTANCE_ENV]: this.instance,
      BREAKWATER_RELEASE: label,
    };
    const [file, args] =
      typeof command === 'string'
        ? ['/bin/sh', ['-c', command]]
        : [command[0] as string, command.slice(1)];
    const child = spawn(file, args, {
      cwd,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    const startedAt = Date.now();
    if (child.stdout) pipeLines(child.stdout, sink, prefix);
    if (child.stderr) pipeLines(child.stderr, sink, prefix);
    child.once('error', (error) => sink.write(`${prefix} cannot start: ${error.message}`));
    if (child.pid !== undefined) this.options.onSpawn?.(child.pid, this.instance);
    child.once('exit', (code, signal) => {
      const waiters = this.exitWaiters;
      this.exitWaiters = [];
      for (const wake of waiters) wake({ code, signal });
      if (this.stopping || !this.restart) {
        if (!this.stopping) sink.write(`${prefix} exited (${signal ?? `code ${code}`})`);
        return;
      }
      if (Date.now() - startedAt > STABLE_AFTER_MS) this.restarts = 0;
      const base = this.options.restartBackoffMs ?? DEFAULT_RESTART_BACKOFF_MS;
      const delay = Math.min(base * 2 ** this.restarts, DEFAULT_MAX_RESTART_BACKOFF_MS);
      this.restarts++;
      sink.write(`${prefix} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.stopping) this.start();
      }, delay);
    });
  }

  /** SIGTERM to the process group, SIGKILL after the grace period; resolves once it exited. */
  async stop(graceMs = this.options.stopGraceMs): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const child = this.child;
    if (child === undefined || child.pid === undefined || !this.running) return;
    const exited = this.nextExit();
    signalGroup(child.pid, 'SIGTERM');
    const kill = setTimeout(() => signalGroup(child.pid as number, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(kill);
  }
}
