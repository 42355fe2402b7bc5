import type { Command } from '../config/schema.js';
import { type DeployKind, type Phase, TERMINAL } from './phases.js';
import type { DeployRecord, PhaseEvent } from './store.js';

/** A history row with its JSON columns already parsed (PostgreSQL does it, SQLite's store parses). */
export interface DeployRow {
  id: number | string;
  service: string;
  kind: string;
  label: string;
  command: Command | null;
  strategy: string;
  actor: string;
  created_at: string | Date;
}

export interface EventRow {
  deploy_id: number | string;
  phase: string;
  at: string | Date;
  detail: Record<string, unknown>;
}

const iso = (value: string | Date): string => (value instanceof Date ? value.toISOString() : value);

/** Assembles history records from entry rows and their events (in insertion order). */
export function toRecords(rows: DeployRow[], events: EventRow[]): DeployRecord[] {
  const byDeploy = new Map<number, PhaseEvent[]>();
  for (const event of events) {
    const id = Number(event.deploy_id);
    const list = byDeploy.get(id) ?? [];
    list.push({
      phase: event.phase as Phase,
      at: iso(event.at),
      detail: event.detail,
    });
    byDeploy.set(id, list);
  }
  return rows.map((row) => {
    const phases = byDeploy.get(Number(row.id)) ?? [];
    const terminal = phases.find((event) => TERMINAL.has(event.phase));
    return {
      id: Number(row.id),
      service: row.service,
      kind: row.kind as DeployKind,
      label: row.label,
      command: row.command,
      strategy: row.strategy,
      emergency: phases[0]?.detail.emergency === true,
      actor: row.actor,
      createdAt: iso(row.created_at),
      phases,
      outcome: terminal?.phase ?? null,
      reason: typeof terminal?.detail.reason === 'string' ? terminal.detail.reason : null,
      finishedAt: terminal?.at ?? null,
    };
  });
}
