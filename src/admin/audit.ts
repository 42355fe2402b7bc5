import type { SqlStore } from '../store/types.js';

/** One admin action: who did what to which target, and when. */
export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
}

/** The audit trail of admin actions, kept in `breakwater_admin_audit` (own migration 0001). */
export interface AuditLog {
  record(entry: Omit<AuditEntry, 'at'> & { at?: Date }): Promise<void>;
  list(options?: { limit?: number; action?: string }): Promise<AuditEntry[]>;
}

export const DEFAULT_AUDIT_LIST_LIMIT = 100;

interface AuditRow {
  at: string | Date;
  actor: string;
  action: string;
  target: string | null;
  detail: string;
}

const toEntry = (row: AuditRow): AuditEntry => ({
  at: row.at instanceof Date ? row.at.toISOString() : row.at,
  actor: row.actor,
  action: row.action,
  target: row.target,
  detail: JSON.parse(row.detail) as Record<string, unknown>,
});

/** An audit log on the store's SQL database; needs Breakwater's own migrations applied. */
export function createAuditLog(store: SqlStore, clock: () => Date = () => new Date()): AuditLog {
  if (store.kind === 'sqlite') {
    return {
      record: async (entry) => {
        store.db
          .prepare(
            'INSERT INTO breakwater_admin_audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)',
          )
          .run(
            (entry.at ?? clock()).toISOString(),
            entry.actor,
            entry.action,
            entry.target,
            JSON.stringify(entry.detail),
          );
      },
      list: async (options = {}) => {
        const rows = store.db
          .prepare(
            `SELECT at, actor, action, target, detail FROM breakwater_admin_audit
             WHERE (? IS NULL OR action = ?) ORDER BY id DESC LIMIT ?`,
          )
          .all(
            options.action ?? null,
            options.action ?? null,
            options.limit ?? DEFAULT_AUDIT_LIST_LIMIT,
          ) as AuditRow[];
        return rows.map(toEntry);
      },
    };
  }
  return {
    record: async (entry) => {
      await store.pool.query(
        'INSERT INTO breakwater_admin_audit (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)',
        [
          entry.at ?? clock(),
          entry.actor,
          entry.action,
          entry.target,
          JSON.stringify(entry.detail),
        ],
      );
    },
    list: async (options = {}) => {
      const { rows } = await store.pool.query<AuditRow>(
        `SELECT at, actor, action, target, detail FROM breakwater_admin_audit
         WHERE ($1::text IS NULL OR action = $1) ORDER BY id DESC LIMIT $2`,
        [options.action ?? null, options.limit ?? DEFAULT_AUDIT_LIST_LIMIT],
      );
      return rows.map(toEntry);
    },
  };
}
