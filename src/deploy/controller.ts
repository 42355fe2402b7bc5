import type { ResolvedConfig } from '../config/resolve.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { Router } from '../router/router.js';
import { singleRoute } from '../router/routing.js';
import type { SqlStore } from '../store/types.js';
import { runBlueGreen } from './deploy-run.js';
import type { Instance } from './instance.js';
import type { LineSink } from './output.js';
import { assertTransition, type Phase } from './phases.js';
import { DEFAULT_STRATEGY, type DeployRequest, newRelease, newRun, planDeploy } from './plan.js';
import { type LiveProgress, liveProgress, type RunningDeploy } from './progress.js';
import { restore } from './restore.js';
import { ReleaseRunner } from './runner.js';
import { canRollBack, EMPTY_STATE, otherColor, promote, type RouterState, swap } from './state.js';
import { describeStatus, type StatusView } from './status.js';
import type { DeployRecord, DeployStore } from './store.js';

export interface ControllerOptions {
  config: ResolvedConfig;
  store: SqlStore;
  deployStore: DeployStore;
  router: Router;
  sink: LineSink;
  clock?: () => Date;
}

/**
 * The deploy controller: owns the router state (active, standby, deploy under way), runs
 * blue-green deploys, rollbacks and aborts, retires the standby after the rollback window,
 * and persists every transition with its history event.
 */
export class DeployController {
  private state: RouterState = EMPTY_STATE;
  private current: RunningDeploy | undefined;
  private retireTimer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private readonly runner: ReleaseRunner;
  private readonly clock: () => Date;

  constructor(private readonly options: ControllerOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.runner = new ReleaseRunner(options.config, options.router, options.sink, () => {
      void this.options.deployStore.saveState(this.state, this.clock()).catch(() => {});
    });
  }

  private get config(): ResolvedConfig {
    return this.options.config;
  }

  private log(line: string): void {
    this.options.sink.write(`breakwater: ${line}`);
  }

  /** Runs `fn` after every state change queued before it: one change at a time. */
  private lock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  /**
   * Restores the saved state (see `restore`): leftovers stopped, an interrupted deploy
   * recorded as aborted, the active (and a standby inside its window) started again.
   */
  async start(): Promise<void> {
    await restore({
      config: this.config,
      deployStore: this.options.deployStore,
      router: this.options.router,
      runner: this.runner,
      clock: this.clock,
      log: (line) => this.log(line),
      getState: () => this.state,
      setState: (state) => {
        this.state = state;
      },
      stopping: () => this.stopping,
    });
    this.scheduleRetire();
  }

  /** Starts a deploy in the background; resolves with its history id once it is recorded. */
  deploy(request: DeployRequest): Promise<number> {
    return this.lock(async () => {
      if (this.stopping)
        throw new BreakwaterError(errors.DEPLOY_INVALID, 'the router is shutting down');
      const { command, label, strategy } = planDeploy(
        request,
        this.config,
        this.state,
        this.current,
      );
      const now = this.clock();
      const id = await this.options.deployStore.begin(
        { kind: 'deploy', label, command, strategy, actor: request.actor, at: now },
        { actor: request.actor },
      );
      const release = newRelease(id, label, otherColor(this.state.active?.color), command);
      this.state = { ...this.state, deploying: release };
      await this.options.deployStore.saveState(this.state, now);
      const run = newRun(id, release, request.actor, now);
      this.current = run;
      this.log(`deploy #${id}: ${release.color} ${label} requested by ${request.actor}`);
      run.done = this.execute(run);
      return id;
    });
  }

  private async execute(run: RunningDeploy): Promise<void> {
    let reason: string | undefined;
    try {
      reason = await runBlueGreen(
        {
          config: this.config,
          store: this.options.store,
          phase: (r, phase, detail) => this.phase(r, phase, detail),
          launch: (r) => this.runner.launch(r.release, false),
          promote: (r, instance) => this.promote(r, instance),
        },
        run,
      );
    } catch (error) {
      reason = (error as Error).message;
    }
    if (reason === undefined) return;
    await this.lock(async () => {
      const aborted = run.abort.signal.aborted;
      const phase: Phase = aborted ? 'aborted' : 'failed';
      const why = aborted ? `aborted by ${run.abortedBy ?? 'the router'}` : reason;
      this.current = undefined;
      this.state = { ...this.state, deploying: null };
      await this.runner.retire(run.release, why).catch(() => {});
      await this.phase(run, phase, { reason: why }, this.state).catch(() => {});
    });
  }

  private async phase(
    run: RunningDeploy,
    phase: Phase,
    detail: Record<string, unknown> = {},
    state?: RouterState,
  ): Promise<void> {
    assertTransition(run.phase, phase);
    run.phase = phase;
    const at = this.clock();
    await this.options.deployStore.record(run.id, { phase, at: at.toISOString(), detail }, state);
    const extra = typeof detail.reason === 'string' ? `: ${detail.reason}` : '';
    this.log(
      `deploy #${run.id} ${run.release.label}: ${phase}${extra} (${((at.getTime() - run.startedAt) / 1000).toFixed(1)} s)`,
    );
  }

  private promote(run: RunningDeploy, instance: Instance | undefined): Promise<boolean> {
    return this.lock(async () => {
      if (run.abort.signal.aborted) return false;
      await this.phase(run, 'switching');
      const before = this.state;
      this.options.router.setTable(singleRoute(run.release.id)); // the atomic switch
      if (instance) instance.restart = true;
      this.state = promote(
        before,
        run.release,
        new Date(this.clock().getTime() + this.config.deploy.rollbackWindowMs),
      );
      this.current = undefined;
      // The switch happened: a failed write must not undo it (a retry of the state write
      // comes with the next change); the history then lacks this event, and says so in the log.
      await this.phase(run, 'promoted', { from: before.active?.label ?? null }, this.state).catch(
        (error: unknown) =>
          this.log(`deploy #${run.id}: promoted, but not recorded: ${(error as Error).message}`),
      );
      if (before.standby) void this.runner.retire(before.standby, 'replaced as standby');
      this.scheduleRetire();
      return true;
    });
  }

  /** Switches back to the standby at once; the version rolled back from becomes standby. */
  rollback(actor: string): Promise<number> {
    return this.lock(async () => {
      if (this.current)
        throw new BreakwaterError(
          errors.DEPLOY_IN_PROGRESS,
          `deploy #${this.current.id} is in progress; abort it first`,
        );
      const now = this.clock();
      const standby = this.state.standby;
      if (standby === null || !canRollBack(this.state, now)) {
        throw new BreakwaterError(
          errors.DEPLOY_NO_STANDBY,
          'no standby version inside the rollback window',
        );
      }
      const instance = this.runner.instance(standby.id);
      if (standby.command !== null && !instance?.running) {
        throw new BreakwaterError(
          errors.DEPLOY_NO_STANDBY,
          `standby ${standby.label} is not running`,
        );
      }
      const from = this.state.active;
      const id = await this.options.deployStore.begin(
        {
          kind: 'rollback',
          label: standby.label,
          command: standby.command,
          strategy: DEFAULT_STRATEGY,
          actor,
          at: now,
        },
        { actor },
      );
      const run = newRun(id, standby, actor, now);
      await this.phase(run, 'switching');
      this.options.router.setTable(singleRoute(standby.id));
      this.state = swap(this.state, new Date(now.getTime() + this.config.deploy.rollbackWindowMs));
      await this.phase(
        run,
        'rolled-back',
        { from: from?.label ?? null, to: standby.label, reason: `rolled back by ${actor}` },
        this.state,
      );
      this.scheduleRetire();
      return id;
    });
  }

  /** Aborts the deploy under way: green is stopped, blue keeps serving. */
  async abort(actor: string): Promise<number> {
    const run = this.current;
    if (run === undefined)
      throw new BreakwaterError(errors.DEPLOY_NOT_IN_PROGRESS, 'no deploy is in progress');
    run.abortedBy = actor;
    run.abort.abort();
    await run.done;
    return run.id;
  }

  private scheduleRetire(): void {
    if (this.retireTimer) clearTimeout(this.retireTimer);
    const standby = this.state.standby;
    if (standby === null || this.state.standbyUntil === null) return;
    const delay = Math.max(Date.parse(this.state.standbyUntil) - this.clock().getTime(), 0);
    this.retireTimer = setTimeout(() => {
      void this.lock(async () => {
        if (this.state.standby?.id !== standby.id) return;
        this.state = { ...this.state, standby: null, standbyUntil: null };
        await this.options.deployStore.saveState(this.state, this.clock());
        await this.runner.retire(standby, 'rollback window over');
      });
    }, delay);
    this.retireTimer.unref();
  }

  status(): StatusView {
    return describeStatus(
      this.config.service,
      this.state,
      this.current,
      this.runner,
      this.options.router,
      this.clock().getTime(),
    );
  }

  /** A history entry, with live progress while it is the deploy under way. */
  async get(id: number): Promise<(DeployRecord & { live?: LiveProgress }) | undefined> {
    const record = await this.options.deployStore.get(id);
    if (record === undefined) return undefined;
    const run = this.current;
    return run?.id === id && record.outcome === null
      ? { ...record, live: liveProgress(run, this.clock().getTime()) }
      : record;
  }

  history(limit?: number): Promise<DeployRecord[]> {
    return this.options.deployStore.history(limit === undefined ? {} : { limit });
  }

  /** Shutdown: aborts a deploy under way and stops every instance; the state stays saved. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retireTimer) clearTimeout(this.retireTimer);
    const run = this.current;
    if (run) {
      run.abortedBy = 'router shutdown';
      run.abort.abort();
      await run.done;
    }
    await this.chain;
    await this.runner.stopAll();
  }
}
