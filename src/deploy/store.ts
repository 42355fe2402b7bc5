import type { Command } from '../config/schema.js';
import type { DeployKind, Phase } from './phases.js';
import type { RouterState } from './state.js';

/** One persisted phase change of a history entry. */
export interface PhaseEvent {
  phase: Phase;
  at: string;
  detail: Record<string, unknown>;
}

/** One history entry: who asked for what, every phase it went through and how it ended. */
export interface DeployRecord {
  id: number;
  service: string;
  kind: DeployKind;
  label: string;
  command: Command | null;
  strategy: string;
  /** A hotfix that skipped the canary steps (`deploy --emergency`). */
  emergency: boolean;
  actor: string;
  createdAt: string;
  phases: PhaseEvent[];
  /** The terminal phase it ended in, or null while under way. */
  outcome: Phase | null;
  reason: string | null;
  finishedAt: string | null;
}

export interface NewDeploy {
  kind: DeployKind;
  label: string;
  command: Command | null;
  strategy: string;
  actor: string;
  at: Date;
}

/**
 * Deploy state and history for one service. History is append-only: entries and their
 * phase events are inserted, never updated. `record` writes an event and the router state
 * in one transaction, so the state never runs ahead of (or behind) the history.
 */
export interface DeployStore {
  loadState(): Promise<RouterState | undefined>;
  saveState(state: RouterState, at: Date): Promise<void>;
  /** Appends an entry and its `requested` event; returns the entry id. */
  begin(entry: NewDeploy, detail?: Record<string, unknown>): Promise<number>;
  /** Appends a phase event and, when given, saves the state with it. */
  record(deployId: number, event: PhaseEvent, state?: RouterState): Promise<void>;
  get(deployId: number): Promise<DeployRecord | undefined>;
  /** Newest first. */
  history(options?: { limit?: number }): Promise<DeployRecord[]>;
}

export const DEFAULT_HISTORY_LIMIT = 50;
