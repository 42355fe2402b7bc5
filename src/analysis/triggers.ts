import { formatBytes, formatMs, formatPercent, formatSeconds } from './format.js';
import type { AnalysisOptions, TriggerAction } from './options.js';
import type { VersionFigures } from './summary.js';
import { SustainedCondition } from './sustained.js';

export type TriggerName = 'error-rate' | 'mean-latency' | 'health' | 'memory';

/** A rollback trigger that fired: what to do, one line why, and the numbers behind it. */
export interface TriggerFiring {
  trigger: TriggerName;
  action: TriggerAction;
  /** One human line, e.g. "error rate 20.3% above 5% for 2.0 s (84 of 412 requests failed)". */
  reason: string;
  figures: Record<string, number | null>;
  /** Other triggers that fired in the same tick; they were re-armed too. */
  alsoFired: TriggerName[];
}

type Candidate = Omit<TriggerFiring, 'alsoFired'>;

/** Live state of one trigger for `status`. */
export interface TriggerState {
  /** When the current unbroken breach began (first failed probe for health), or null. */
  breachedSinceMs: number | null;
  /** When a breach still going on will fire, for the sustained triggers; else null. */
  firesAtMs: number | null;
}

/**
 * Watches green during a canary rollout for the rollback triggers. Pure: the caller feeds
 * it green's figures over the trailing `windowMs` on each tick and each health probe's
 * result, with the time. Rules a caller must know:
 * - a tick with fewer than `minRequests` green requests leaves the error-rate and
 *   mean-latency conditions as they were (neither breached nor cleared: too little data
 *   says nothing); an unknown RSS does the same for memory; `memory.limitBytes: null`
 *   turns the memory trigger off;
 * - a trigger that fires is re-armed: firing again takes another full `sustainMs`
 *   (or `consecutive` fresh health failures), so one breach is one step down, not one per tick;
 * - when several fire in one tick, a 'rollback' wins over a 'step-down'.
 */
export class TriggerMonitor {
  private readonly errorRate: SustainedCondition;
  private readonly meanLatency: SustainedCondition;
  private readonly memory: SustainedCondition;
  /** Times of the failed probes since the last good one, no older than `withinMs`. */
  private healthFailures: number[] = [];

  constructor(private readonly options: AnalysisOptions['triggers']) {
    this.errorRate = new SustainedCondition(options.errorRate.sustainMs);
    this.meanLatency = new SustainedCondition(options.meanLatency.sustainMs);
    this.memory = new SustainedCondition(options.memory.sustainMs);
  }

  /** Each tick: green's figures over the trailing `windowMs`, and green's RSS in bytes if known. */
  tick(nowMs: number, green: VersionFigures, rssBytes?: number): TriggerFiring | undefined {
    const { errorRate, meanLatency, memory, minRequests } = this.options;
    const fired: Candidate[] = [];
    const observe = (
      condition: SustainedCondition,
      breached: boolean,
      describe: (forMs: number, since: number) => Candidate,
    ) => {
      const state = condition.update(nowMs, breached);
      if (state.fired && state.since !== undefined) {
        condition.reset(); // re-armed: the next firing needs another full sustainMs
        fired.push(describe(nowMs - state.since, state.since));
      }
    };
    if (green.requests >= minRequests) {
      observe(this.errorRate, green.errorRate > errorRate.above, (forMs, since) => ({
        trigger: 'error-rate',
        action: errorRate.action,
        reason: `error rate ${formatPercent(green.errorRate)} above ${formatPercent(errorRate.above)} for ${formatSeconds(forMs)} (${green.failures} of ${green.requests} requests failed)`,
        figures: {
          errorRate: green.errorRate,
          above: errorRate.above,
          requests: green.requests,
          failures: green.failures,
          breachedSinceMs: since,
          sustainedMs: forMs,
        },
      }));
      const meanMs = green.meanMs;
      if (meanMs !== null)
        observe(this.meanLatency, meanMs > meanLatency.aboveMs, (forMs, since) => ({
          trigger: 'mean-latency',
          action: meanLatency.action,
          reason: `mean latency ${formatMs(meanMs)} above ${formatMs(meanLatency.aboveMs)} for ${formatSeconds(forMs)} (${green.requests} requests)`,
          figures: {
            meanMs,
            aboveMs: meanLatency.aboveMs,
            requests: green.requests,
            breachedSinceMs: since,
            sustainedMs: forMs,
          },
        }));
    }
    const limit = memory.limitBytes;
    if (limit === null) this.memory.reset();
    else if (rssBytes !== undefined)
      observe(this.memory, rssBytes > memory.aboveRatio * limit, (forMs, since) => ({
        trigger: 'memory',
        action: memory.action,
        reason: `memory ${formatBytes(rssBytes)} above ${formatPercent(memory.aboveRatio)} of the ${formatBytes(limit)} limit for ${formatSeconds(forMs)}`,
        figures: {
          rssBytes,
          limitBytes: limit,
          usedRatio: rssBytes / limit,
          aboveRatio: memory.aboveRatio,
          breachedSinceMs: since,
          sustainedMs: forMs,
        },
      }));
    // a rollback wins over a step-down; the order above breaks ties
    const ordered = [
      ...fired.filter((firing) => firing.action === 'rollback'),
      ...fired.filter((firing) => firing.action !== 'rollback'),
    ];
    const [first, ...rest] = ordered;
    return first && { ...first, alsoFired: rest.map((firing) => firing.trigger) };
  }

  /** Each health probe of green: fires on `consecutive` failures in a row within `withinMs`. */
  health(nowMs: number, ok: boolean, detail?: string): TriggerFiring | undefined {
    const { consecutive, withinMs, action } = this.options.healthFailures;
    if (ok) {
      this.healthFailures = [];
      return undefined;
    }
    this.healthFailures.push(nowMs);
    this.healthFailures = this.healthFailures.filter((at) => at >= nowMs - withinMs);
    if (this.healthFailures.length < consecutive) return undefined;
    const first = this.healthFailures[0] as number;
    const failures = this.healthFailures.length;
    this.healthFailures = [];
    const last = detail === undefined ? '' : `; last: ${detail}`;
    return {
      trigger: 'health',
      action,
      reason: `${failures} consecutive failed health checks within ${formatSeconds(nowMs - first)} (limit ${consecutive} within ${formatSeconds(withinMs)}${last})`,
      figures: {
        failures,
        consecutive,
        withinMs,
        firstFailureMs: first,
        lastFailureMs: nowMs,
      },
      alsoFired: [],
    };
  }

  /** Live state for `status`: which conditions are breached and since when. */
  snapshot(): Record<TriggerName, TriggerState> {
    const sustained = (condition: SustainedCondition): TriggerState => ({
      breachedSinceMs: condition.since ?? null,
      firesAtMs: condition.since === undefined ? null : condition.since + condition.sustainMs,
    });
    return {
      'error-rate': sustained(this.errorRate),
      'mean-latency': sustained(this.meanLatency),
      health: { breachedSinceMs: this.healthFailures[0] ?? null, firesAtMs: null },
      memory: sustained(this.memory),
    };
  }

  /** Forgets every breach in progress, e.g. when the rollout moves to another step. */
  reset(): void {
    this.errorRate.reset();
    this.meanLatency.reset();
    this.memory.reset();
    this.healthFailures = [];
  }
}
