import { summarize, type VersionFigures } from '../analysis/summary.js';
import { type TriggerFiring, TriggerMonitor } from '../analysis/triggers.js';
import { judgeStep, type Verdict } from '../analysis/verdict.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { Router } from '../router/router.js';
import type { RolloutCommand, RolloutMailbox } from './canary-commands.js';
import { probeHealth, sleep } from './health-gate.js';
import type { Phase } from './phases.js';
import { processGroupRss } from './process-memory.js';
import type { RunningDeploy } from './progress.js';
import type { Release, RolloutState } from './state.js';
import { previousWeightIndex, weightAt } from './steps.js';

/** What a rollout needs from the controller. */
export interface RolloutHost {
  config: ResolvedConfig;
  router: Router;
  blue: Release;
  green: Release;
  /** Persists the rollout with a history event and routes by its weight, atomically. */
  update(rollout: RolloutState, phase: Phase, detail: Record<string, unknown>): Promise<void>;
  /** Switches everything to green (the 100 % step); false when aborted first. */
  promote(): Promise<boolean>;
}

export type RolloutEnd =
  | { kind: 'promoted' }
  | { kind: 'rolled-back'; reason: string; detail: Record<string, unknown> }
  | { kind: 'stopped'; reason: string };

/** Live figures of a rollout for `status` and the CLI's progress line. */
export interface RolloutLive {
  steps: RolloutState['steps'];
  index: number;
  weight: number;
  paused: RolloutState['paused'];
  stepElapsedMs: number;
  intervalMs: number;
  failures: number;
  green: VersionFigures;
  blue: VersionFigures;
  greenRssBytes: number | null;
  triggers: Record<string, { breachedSinceMs: number | null }>;
  healthFailures: number;
  lastVerdict: Pick<Verdict, 'result' | 'reason' | 'score'> | null;
}

/** Reading RSS scans /proc (a few ms of CPU): at most once a second, however short the tick. */
const MEMORY_READ_EVERY_MS = 1_000;

const EMPTY_WINDOW = { latencies: new Float64Array(0), failures: 0, count: 0, truncated: false };

/**
 * A canary rollout: moves green through its steps, judging each step after at least one
 * analysis interval, watches the rollback triggers every tick and green's health on every
 * probe, and obeys the operator's pause, resume, promote and rollback. Samples come from the
 * router (stamped with Date.now()), so windows here use Date.now() too.
 */
export class CanaryRollout {
  private readonly monitor: TriggerMonitor;
  private windowStart = Date.now();
  /** Requests routed to each version when the window started, to measure the offered share. */
  private startedAt = { green: 0, blue: 0 };
  private fired: TriggerFiring | undefined;
  private greenRss: number | undefined;
  private blueRss: number | undefined;
  private healthFailures = 0;
  private memoryReadAt = 0;
  private lastVerdict: Verdict | undefined;

  constructor(
    private readonly host: RolloutHost,
    private readonly run: RunningDeploy,
    private rollout: RolloutState,
    private readonly mailbox: RolloutMailbox,
  ) {
    this.monitor = new TriggerMonitor(host.config.canary.analysis.triggers);
  }

  private get canary() {
    return this.host.config.canary;
  }

  /** Walks the steps until green is promoted, rolled back or the deploy stops. */
  async execute(entered: { phase: Phase; detail: Record<string, unknown> }): Promise<RolloutEnd> {
    const signal = this.run.abort.signal;
    const probes = new AbortController();
    void this.watchHealth(AbortSignal.any([signal, probes.signal]));
    try {
      this.restartWindow();
      await this.save(entered.phase, entered.detail);
      for (;;) {
        if (signal.aborted) return { kind: 'stopped', reason: 'aborted' };
        for (const command of this.mailbox.take()) {
          const end = await this.obey(command);
          if (end) return end;
        }
        const fired = this.fired;
        this.fired = undefined;
        if (fired) {
          const end = await this.onTrigger(fired);
          if (end) return end;
        }
        const step = this.rollout.steps[this.rollout.index];
        if (step === 100 || step === undefined) return this.promote();
        if (step === 'pause' && this.rollout.paused === null) {
          this.rollout = { ...this.rollout, paused: { by: 'pause step', at: iso() } };
          await this.save('paused', { index: this.rollout.index, reason: 'pause step' });
        }
        if (
          this.rollout.paused === null &&
          Date.now() - this.windowStart >= this.rollout.intervalMs
        ) {
          const end = await this.judge();
          if (end) return end;
          continue;
        }
        this.tick();
        await this.mailbox.wait(this.canary.checkEveryMs, signal);
      }
    } finally {
      probes.abort();
    }
  }

  live(): RolloutLive {
    const now = Date.now();
    const from = now - this.canary.analysis.triggers.windowMs;
    return {
      steps: this.rollout.steps,
      index: this.rollout.index,
      weight: this.rollout.weight,
      paused: this.rollout.paused,
      stepElapsedMs: now - this.windowStart,
      intervalMs: this.rollout.intervalMs,
      failures: this.rollout.failures,
      green: summarize(this.window(this.host.green, from, now)),
      blue: summarize(this.window(this.host.blue, from, now)),
      greenRssBytes: this.greenRss ?? null,
      triggers: this.monitor.snapshot(),
      healthFailures: this.healthFailures,
      lastVerdict: this.lastVerdict
        ? {
            result: this.lastVerdict.result,
            reason: this.lastVerdict.reason,
            score: this.lastVerdict.score,
          }
        : null,
    };
  }

  private started(release: Release): number {
    return this.host.router.upstream(release.id)?.started ?? 0;
  }

  private restartWindow(): void {
    this.windowStart = Date.now();
    this.startedAt = { green: this.started(this.host.green), blue: this.started(this.host.blue) };
  }

  private routedSinceWindow(): { green: number; blue: number } {
    return {
      green: this.started(this.host.green) - this.startedAt.green,
      blue: this.started(this.host.blue) - this.startedAt.blue,
    };
  }

  private window(release: Release, from: number, to: number) {
    const samples = this.host.router.upstream(release.id)?.samples;
    return samples ? samples.window(from, to) : { ...EMPTY_WINDOW, fromMs: from, toMs: to };
  }

  private save(phase: Phase, detail: Record<string, unknown>): Promise<void> {
    return this.host.update(this.rollout, phase, { weight: this.rollout.weight, ...detail });
  }

  /** Evaluates the time-based triggers on the trailing window and reads memory. */
  private tick(): void {
    const now = Date.now();
    const green = summarize(
      this.window(this.host.green, now - this.canary.analysis.triggers.windowMs, now),
    );
    this.fired ??= this.monitor.tick(now, green, this.greenRss);
    if (this.fired) this.mailbox.notify();
    if (now - this.memoryReadAt >= MEMORY_READ_EVERY_MS) {
      this.memoryReadAt = now;
      void this.readMemory();
    }
  }

  private async readMemory(): Promise<void> {
    const [green, blue] = await Promise.all([
      this.host.green.pid === null ? undefined : processGroupRss(this.host.green.pid),
      this.host.blue.pid === null ? undefined : processGroupRss(this.host.blue.pid),
    ]);
    this.greenRss = green;
    this.blueRss = blue;
  }

  /** Probes green's health path every health interval and feeds the health trigger. */
  private async watchHealth(signal: AbortSignal): Promise<void> {
    const { deploy, app } = this.host.config;
    const url = new URL(app.healthPath, this.host.green.url ?? 'http://127.0.0.1').href;
    while (!signal.aborted) {
      await sleep(deploy.healthIntervalMs, signal);
      if (signal.aborted) return;
      const probe = await probeHealth(url, deploy.healthTimeoutMs, signal);
      if (signal.aborted) return;
      this.healthFailures = probe.ok ? 0 : this.healthFailures + 1;
      const fired = this.monitor.health(Date.now(), probe.ok, probe.detail);
      if (fired && this.fired?.action !== 'rollback') {
        this.fired = fired;
        this.mailbox.notify();
      }
    }
  }

  /** The end of a step's interval: pass moves on, hold waits another interval, fail counts. */
  private async judge(): Promise<RolloutEnd | undefined> {
    const now = Date.now();
    const weight = this.rollout.weight;
    // Throughput is compared per share of requests offered: sticky clients make the real
    // share differ from the weight, so the router's own routing counts are the measure.
    const offered = this.routedSinceWindow();
    const measured = offered.green > 0 && offered.blue > 0;
    const verdict = judgeStep({
      green: this.window(this.host.green, this.windowStart, now),
      blue: this.window(this.host.blue, this.windowStart, now),
      greenWeight: measured ? offered.green : weight,
      blueWeight: measured ? offered.blue : 100 - weight,
      ...(this.greenRss === undefined ? {} : { greenRssBytes: this.greenRss }),
      ...(this.blueRss === undefined ? {} : { blueRssBytes: this.blueRss }),
      options: this.canary.analysis,
    });
    this.lastVerdict = verdict;
    this.restartWindow();
    const index = this.rollout.index;
    if (verdict.result === 'fail') {
      const failures = this.rollout.failures + 1;
      this.rollout = { ...this.rollout, failures };
      await this.save('verdict', { index, verdict });
      if (failures > this.canary.analysis.failureLimit) {
        return {
          kind: 'rolled-back',
          reason: `step ${weight}% failed its analysis: ${verdict.reason}`,
          detail: { trigger: 'analysis', index, weight, verdict },
        };
      }
      return undefined;
    }
    await this.save('verdict', { index, verdict });
    if (verdict.result === 'pass') await this.enterStep(index + 1, {});
    return undefined;
  }

  /** Moves to the step at `index` (a pause step keeps the weight of the one before). */
  private async enterStep(index: number, detail: Record<string, unknown>): Promise<void> {
    const step = this.rollout.steps[index];
    this.rollout = {
      ...this.rollout,
      index,
      weight: step === 100 ? this.rollout.weight : weightAt(this.rollout.steps, index),
      failures: 0,
      stepStartedAt: iso(),
    };
    this.restartWindow();
    if (step === 100 || step === 'pause') return; // the loop promotes or pauses
    await this.save('step', { index, ...detail });
  }

  private async obey(command: RolloutCommand): Promise<RolloutEnd | undefined> {
    let refusal: Error | undefined;
    try {
      switch (command.kind) {
        case 'pause':
          if (this.rollout.paused === null) {
            this.rollout = { ...this.rollout, paused: { by: command.actor, at: iso() } };
            await this.save('paused', { index: this.rollout.index, by: command.actor });
          }
          return undefined;
        case 'resume': {
          if (this.rollout.paused === null) {
            refusal = new BreakwaterError(
              errors.DEPLOY_NOT_PAUSED,
              `deploy #${this.run.id} is not paused (step ${this.rollout.weight}%)`,
            );
            return undefined;
          }
          const atGate = this.rollout.steps[this.rollout.index] === 'pause';
          this.rollout = { ...this.rollout, paused: null };
          this.restartWindow();
          await this.save('resumed', { index: this.rollout.index, by: command.actor });
          if (atGate) await this.enterStep(this.rollout.index + 1, { by: command.actor });
          return undefined;
        }
        case 'promote':
          return await this.promote(command.actor);
        case 'rollback':
          return {
            kind: 'rolled-back',
            reason: `rolled back by ${command.actor}`,
            detail: { trigger: 'operator', weight: this.rollout.weight },
          };
      }
    } catch (error) {
      refusal = error as Error;
      throw error;
    } finally {
      command.done(refusal);
    }
  }

  /**
   * An immediate trigger rolls back; a gradual one steps down to the previous lower step and
   * pauses there (below the first step: rolls back).
   */
  private async onTrigger(fired: TriggerFiring): Promise<RolloutEnd | undefined> {
    const detail = { trigger: fired.trigger, figures: fired.figures, weight: this.rollout.weight };
    if (fired.action === 'rollback')
      return { kind: 'rolled-back', reason: `${fired.trigger} trigger: ${fired.reason}`, detail };
    const to = previousWeightIndex(this.rollout.steps, this.rollout.index);
    if (to < 0) {
      return {
        kind: 'rolled-back',
        reason: `${fired.trigger} trigger at the first step: ${fired.reason}`,
        detail,
      };
    }
    // Stepped down, the rollout waits for an operator rather than advancing into the same
    // trouble again; the triggers keep watching and step down further or roll back.
    this.monitor.reset();
    await this.enterStep(to, { stepDown: `${fired.trigger} trigger: ${fired.reason}` });
    const by = `${fired.trigger} trigger (stepped down)`;
    this.rollout = { ...this.rollout, paused: { by, at: iso() } };
    await this.save('paused', { index: to, by, reason: fired.reason });
    return undefined;
  }

  private async promote(actor?: string): Promise<RolloutEnd> {
    if (actor !== undefined) this.run.promotedBy = actor;
    return (await this.host.promote())
      ? { kind: 'promoted' }
      : { kind: 'stopped', reason: 'aborted' };
  }
}

const iso = () => new Date().toISOString();
