import type { ResolvedConfig } from '../config/resolve.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { Router } from '../router/router.js';
import { singleRoute } from '../router/routing.js';
import type { SqlStore } from '../store/types.js';
import { RolloutMailbox } from './canary-commands.js';
import { newRollout, promotedOr, relaunchGreen, rolloutUnderWay } from './canary-control.js';
import { CanaryRollout, type RolloutEnd, type RolloutHost } from './canary-run.js';
import { rolloutTable } from './canary-table.js';
import { runGates } from './deploy-run.js';
import type { Instance } from './instance.js';
import type { LineSink } from './output.js';
import { assertTransition, type Phase } from './phases.js';
import { DEFAULT_STRATEGY, type DeployRequest, newRelease, newRun, planDeploy } from './plan.js';
import { type LiveProgress, liveProgress, type RunningDeploy } from './progress.js';
import { FIRST_START_ACTOR, type Resumable, restore } from './restore.js';
import { ReleaseRunner } from './runner.js';
import {
  canRollBack,
  EMPTY_STATE,
  otherColor,
  promote,
  type RolloutState,
  type RouterState,
  swap,
} from './state.js';
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
    const resumable = await restore({
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
    if (resumable) await this.resumeRollout(resumable);
  }

  /** Picks up a canary that was in its steps when the router stopped, where it was. */
  private async resumeRollout({ release, rollout }: Resumable): Promise<void> {
    const record = await this.options.deployStore.get(release.deployId);
    const run = newRun(
      release.deployId,
      release,
      record?.actor ?? FIRST_START_ACTOR,
      this.clock(),
      {
        strategy: 'canary',
        emergency: false,
        steps: rollout.steps,
        intervalMs: rollout.intervalMs,
      },
    );
    run.phase = record?.phases.at(-1)?.phase ?? 'step';
    this.current = run;
    this.log(
      `deploy #${run.id} ${release.label}: resuming its canary at step ${rollout.index + 1}`,
    );
    run.done = (async () => {
      let end: RolloutEnd;
      try {
        const back = await relaunchGreen(
          { config: this.config, router: this.options.router, runner: this.runner },
          release,
          run.abort.signal,
        );
        end =
          'reason' in back
            ? { kind: 'stopped', reason: `after a router restart: ${back.reason}` }
            : await this.rollOut(run, back.instance, rollout, 'resumed', {
                reason: 'router restarted',
              });
      } catch (error) {
        end = { kind: 'stopped', reason: (error as Error).message };
      }
      await this.finish(run, end);
    })();
  }

  /** Starts a deploy in the background; resolves with its history id once it is recorded. */
  deploy(request: DeployRequest): Promise<number> {
    return this.lock(async () => {
      if (this.stopping)
        throw new BreakwaterError(errors.DEPLOY_INVALID, 'the router is shutting down');
      const plan = planDeploy(request, this.config, this.state, this.current);
      const { command, label, strategy } = plan;
      const now = this.clock();
      const id = await this.options.deployStore.begin(
        { kind: 'deploy', label, command, strategy, actor: request.actor, at: now },
        {
          actor: request.actor,
          ...(plan.emergency ? { emergency: true } : {}),
          ...(strategy === 'canary' && !plan.emergency
            ? { steps: plan.steps, intervalMs: plan.intervalMs }
            : {}),
        },
      );
      const release = newRelease(id, label, otherColor(this.state.active?.color), command);
      this.state = { ...this.state, deploying: release };
      await this.options.deployStore.saveState(this.state, now);
      const run = newRun(id, release, request.actor, now, plan);
      this.current = run;
      this.log(`deploy #${id}: ${release.color} ${label} requested by ${request.actor}`);
      run.done = this.execute(run);
      return id;
    });
  }

  private async execute(run: RunningDeploy): Promise<void> {
    let end: RolloutEnd;
    try {
      const gates = await runGates(
        {
          config: this.config,
          store: this.options.store,
          phase: (r, phase, detail) => this.phase(r, phase, detail),
          launch: (r) => this.runner.launch(r.release, false),
        },
        run,
      );
      if (!gates.passed) end = { kind: 'stopped', reason: gates.reason };
      else if (run.strategy !== 'canary' || run.emergency || run.steps?.[0] === 100)
        end = (await this.promote(run, gates.instance))
          ? { kind: 'promoted' }
          : { kind: 'stopped', reason: 'aborted' };
      else
        end = await this.rollOut(
          run,
          gates.instance,
          newRollout(run, this.config.canary.intervalMs),
          'step',
        );
    } catch (error) {
      end = { kind: 'stopped', reason: (error as Error).message };
    }
    await this.finish(run, end);
  }

  /** Runs the canary steps of a deploy whose green passed its gates (or came back after a restart). */
  private rollOut(
    run: RunningDeploy,
    instance: Instance | undefined,
    rollout: RolloutState,
    entered: 'step' | 'resumed',
    detail: Record<string, unknown> = {},
  ): Promise<RolloutEnd> {
    const blue = this.state.active;
    if (blue === null) return this.promote(run, instance).then(promotedOr);
    const host: RolloutHost = {
      config: this.config,
      router: this.options.router,
      blue,
      green: run.release,
      update: (next, phase, eventDetail) =>
        this.lock(async () => {
          if (run.abort.signal.aborted) return;
          this.state = { ...this.state, rollout: next };
          this.options.router.setTable(
            rolloutTable(blue.id, run.release.id, next.weight, this.config.canary),
          );
          await this.phase(run, phase, eventDetail, this.state);
        }),
      promote: () => this.promote(run, instance),
    };
    run.mailbox = new RolloutMailbox();
    run.rollout = new CanaryRollout(host, run, rollout, run.mailbox);
    return run.rollout.execute({ phase: entered, detail: { index: rollout.index, ...detail } });
  }

  /** Records how a deploy ended; anything but a promotion sends every request back to blue. */
  private async finish(run: RunningDeploy, end: RolloutEnd): Promise<void> {
    run.mailbox?.close(
      new BreakwaterError(errors.DEPLOY_NOT_IN_PROGRESS, `deploy #${run.id} has ended`),
    );
    if (end.kind === 'promoted') return;
    const saved = this.state.rollout;
    if (run.suspended && saved) {
      // shutdown during canary steps (or while resuming them): the saved state keeps the
      // rollout, to resume on the next start
      this.log(
        `deploy #${run.id}: canary suspended at ${saved.weight}%; it resumes when the router starts again`,
      );
      return;
    }
    await this.lock(async () => {
      const aborted = end.kind === 'stopped' && run.abort.signal.aborted;
      const phase: Phase =
        end.kind === 'rolled-back' ? 'rolled-back' : aborted ? 'aborted' : 'failed';
      const why = aborted ? `aborted by ${run.abortedBy ?? 'the router'}` : end.reason;
      const active = this.state.active;
      if (active && this.options.router.table.routes.some((r) => r.upstream === run.release.id))
        this.options.router.setTable(singleRoute(active.id));
      this.current = undefined;
      this.state = { ...this.state, deploying: null, rollout: null };
      const detail = end.kind === 'rolled-back' ? { ...end.detail, reason: why } : { reason: why };
      await this.phase(run, phase, detail, this.state).catch(() => {});
      await this.runner.retire(run.release, why).catch(() => {});
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
      await this.phase(run, 'switching', run.promotedBy ? { by: run.promotedBy } : {});
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
      await this.phase(
        run,
        'promoted',
        { from: before.active?.label ?? null, ...(run.emergency ? { emergency: true } : {}) },
        this.state,
      ).catch((error: unknown) =>
        this.log(`deploy #${run.id}: promoted, but not recorded: ${(error as Error).message}`),
      );
      if (before.standby) void this.runner.retire(before.standby, 'replaced as standby');
      this.scheduleRetire();
      return true;
    });
  }

  /**
   * Switches back to the standby at once; the version rolled back from becomes standby.
   * During canary steps it rolls the canary back instead: every request to blue, green
   * stopped, the deploy recorded as rolled back.
   */
  async rollback(actor: string): Promise<number> {
    const run = this.current;
    if (run?.mailbox) {
      await run.mailbox.send('rollback', actor);
      await run.done;
      return run.id;
    }
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

  /** Pauses the canary steps under way (the triggers keep watching green). */
  pause(actor: string): Promise<number> {
    return this.command('pause', actor);
  }

  /** Resumes a paused rollout; at a `pause` step, moves on to the next step. */
  resume(actor: string): Promise<number> {
    return this.command('resume', actor);
  }

  /** Skips the remaining steps: green takes every request, blue stays warm as standby. */
  async promoteNow(actor: string): Promise<number> {
    const run = rolloutUnderWay(this.current);
    await run.mailbox.send('promote', actor);
    await run.done;
    return run.id;
  }

  private async command(kind: 'pause' | 'resume', actor: string): Promise<number> {
    const run = rolloutUnderWay(this.current);
    await run.mailbox.send(kind, actor);
    return run.id;
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
      run.suspended = true;
      run.abort.abort();
      await run.done;
    }
    await this.chain;
    await this.runner.stopAll();
  }
}
