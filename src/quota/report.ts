import type { Quota } from './definition.js';
import type { Engine } from './engine.js';
import { type QuotaSubject, subjectKey, windowOf } from './items.js';
import type { DailyUsage } from './records.js';
import type { QuotaStore } from './store.js';
import { type QuotaUsage, usageFrom } from './usage.js';

/** One quota in an organization's usage report. */
export interface UsageEntry extends Omit<QuotaUsage, 'resetAt'> {
  kind: Quota['kind'];
  /** `day`, `month`, or the rolling window in seconds; undefined for gauges, concurrency. */
  window: 'day' | 'month' | number | undefined;
  timeZone: string;
  enforcement: Quota['enforcement'];
  /** True when an organization override sets the limit. */
  overridden: boolean;
  /** ISO 8601, or null where nothing resets. */
  resetAt: string | null;
}

export interface UsageReport {
  organization: string;
  user: string | undefined;
  /** ISO 8601 time of the report. */
  at: string;
  quotas: UsageEntry[];
}

export const DEFAULT_HISTORY_DAYS = 30;
const DAY_MS = 86_400_000;

/** Usage reports and daily history, read without consuming. */
export function usageReports(
  store: QuotaStore,
  engine: Engine,
  definitions: ReadonlyMap<string, Quota>,
  now: () => number,
) {
  return {
    /**
     * Every quota of the organization (per-user quotas only when `user` is given): used,
     * limit, remaining, reset time, overage and the warning flag.
     */
    usage: async (subject: QuotaSubject, signal?: AbortSignal): Promise<UsageReport> => {
      const at = now();
      const quotas = [...definitions.values()].filter(
        (q) => q.per === 'organization' || subject.user !== undefined || subject.keys?.[q.name],
      );
      const items = quotas.map((quota) => ({
        quota,
        organization: subject.organization,
        subject: subjectKey(quota, subject),
        window: windowOf(quota, at),
      }));
      const peeks = items.map((i) => ({ ...i, windowStart: i.window.start }));
      const { value: readings } = await engine.run(peeks, (s) => s.peek(peeks, at, signal));
      return {
        organization: subject.organization,
        user: subject.user,
        at: new Date(at).toISOString(),
        quotas: items.map(({ quota, window }, i) => {
          const reading = readings[i];
          if (reading === undefined) throw new Error('quota store answered too few items');
          const usage = usageFrom(quota, reading.state, reading.limit, at, window.end);
          return {
            ...usage,
            kind: quota.kind,
            window: quota.calendar ?? (quota.windowMs > 0 ? quota.windowMs / 1000 : undefined),
            timeZone: quota.timeZone,
            enforcement: quota.enforcement,
            overridden: reading.limit !== quota.limit,
            resetAt: usage.resetAt === undefined ? null : new Date(usage.resetAt).toISOString(),
          };
        }),
      };
    },
    /**
     * Daily usage rows of the last `days` days (today included), oldest first. Includes
     * everything this process counted; other processes' rows of their last history flush
     * interval (default 1 s) may not be written yet.
     */
    history: async (organization: string, days = DEFAULT_HISTORY_DAYS): Promise<DailyUsage[]> => {
      const at = now();
      const from = new Date(at - (days - 1) * DAY_MS - DAY_MS).toISOString().slice(0, 10);
      const to = new Date(at + DAY_MS).toISOString().slice(0, 10);
      // what this process counted is written first (a failed write keeps its rows for the
      // next flush; the read still answers); other processes' last second may lag
      await engine.flush().catch(() => {});
      return store.history(organization, from, to);
    },
  };
}
