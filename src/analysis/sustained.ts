/**
 * A condition that must hold without a break for `sustainMs` before it fires ("error rate
 * above 5 % sustained 2 minutes"). Feed it every observation; one non-breached observation
 * starts the count again. `sustainMs` 0 fires at the first breach. It keeps reporting
 * `fired` while the breach lasts; callers that act once call `reset()` after acting.
 */
export class SustainedCondition {
  private sinceMs: number | undefined;

  constructor(readonly sustainMs: number) {
    if (!(sustainMs >= 0 && Number.isFinite(sustainMs)))
      throw new RangeError(`sustainMs must be a finite number >= 0, got ${sustainMs}`);
  }

  /** Records one observation at `nowMs` (epoch ms) and says whether the condition fires. */
  update(nowMs: number, breached: boolean): { since: number | undefined; fired: boolean } {
    if (!breached) {
      this.sinceMs = undefined;
      return { since: undefined, fired: false };
    }
    this.sinceMs ??= nowMs;
    return { since: this.sinceMs, fired: nowMs - this.sinceMs >= this.sustainMs };
  }

  /** When the current unbroken breach began, if one is going on. */
  get since(): number | undefined {
    return this.sinceMs;
  }

  /** Forgets any breach in progress: the next breach has to last `sustainMs` again. */
  reset(): void {
    this.sinceMs = undefined;
  }
}
