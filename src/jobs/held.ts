import type { RunningAttempt } from './attempt.js';
import type { Job } from './job.js';
import type { Hold } from './store.js';

/** A worker's view of one job it claimed, from claim until its outcome is written. */
export interface Held {
  job: Job;
  hold: Hold;
  /** buffered: claimed, not started; running: handler running; finishing: outcome being written. */
  phase: 'buffered' | 'running' | 'finishing';
  /** Local estimate of the lease end; a worker that cannot heartbeat gives up at this time. */
  leaseUntil: number;
  attempt?: RunningAttempt;
  /** Released at shutdown while its handler still ran: its outcome is ignored. */
  abandoned?: boolean;
}

/** The jobs one worker holds: all of them by id, and the claimed-but-unstarted ones in order. */
export class HeldJobs {
  readonly byId = new Map<string, Held>();
  readonly buffer: Held[] = [];

  add(job: Job, leaseUntil: number): void {
    const entry: Held = {
      job,
      hold: { id: job.id, token: job.leaseToken },
      phase: 'buffered',
      leaseUntil,
    };
    this.byId.set(job.id, entry);
    this.buffer.push(entry);
  }

  /** Forgets an entry (only if it is still the current one for its job). */
  drop(entry: Held): void {
    if (this.byId.get(entry.job.id) === entry) this.byId.delete(entry.job.id);
    const index = entry.phase === 'buffered' ? this.buffer.indexOf(entry) : -1;
    if (index >= 0) this.buffer.splice(index, 1);
  }

  /** Takes every unstarted job out of the buffer (and the map). */
  takeBuffered(): Held[] {
    const taken = this.buffer.splice(0);
    for (const entry of taken) this.byId.delete(entry.job.id);
    return taken;
  }

  inPhase(phase: Held['phase']): Held[] {
    return [...this.byId.values()].filter((entry) => entry.phase === phase);
  }
}
