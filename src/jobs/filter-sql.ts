import type { JobFilter } from './store.js';

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1_000;

/** How one dialect writes a bound parameter and an "id in this list" test. */
export interface Dialect {
  /** The placeholder for the `n`-th (1-based) value. */
  param(n: number): string;
  /** A condition that `column` is one of the values bound at placeholder `n` (an array). */
  inList(column: string, n: number): string;
  /** The value bound for a list of ids. */
  ids(ids: readonly string[]): unknown;
}

export const SQLITE_DIALECT: Dialect = {
  param: () => '?',
  inList: (column) => `${column} IN (SELECT value FROM json_each(?))`,
  ids: (ids) => JSON.stringify(ids.map(Number)),
};

export const POSTGRES_DIALECT: Dialect = {
  param: (n) => `$${n}`,
  inList: (column, n) => `${column} = ANY($${n}::bigint[])`,
  ids: (ids) => [...ids],
};

/**
 * The WHERE conditions and values for a filter, numbering parameters after `offset` bound
 * values. Ids that are not whole numbers match nothing rather than erroring.
 */
export function filterSql(
  filter: JobFilter,
  dialect: Dialect,
  offset = 0,
): { conditions: string[]; values: unknown[] } {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const add = (sql: (n: number) => string, value: unknown) => {
    values.push(value);
    conditions.push(sql(offset + values.length));
  };
  if (filter.ids !== undefined) {
    add(
      (n) => dialect.inList('id', n),
      dialect.ids(filter.ids.filter((id) => /^\d{1,18}$/.test(id))),
    );
  }
  if (filter.state !== undefined) add((n) => `state = ${dialect.param(n)}`, filter.state);
  if (filter.queue !== undefined) add((n) => `queue = ${dialect.param(n)}`, filter.queue);
  if (filter.name !== undefined) add((n) => `name = ${dialect.param(n)}`, filter.name);
  if (filter.finishedBefore !== undefined) {
    add((n) => `finished_at < ${dialect.param(n)}`, filter.finishedBefore);
  }
  if (filter.beforeId !== undefined && /^\d{1,18}$/.test(filter.beforeId)) {
    add((n) => `id < ${dialect.param(n)}`, Number(filter.beforeId));
  }
  return { conditions, values };
}

/** `WHERE a AND b`, or an empty string for no conditions. */
export const whereClause = (conditions: readonly string[]): string =>
  conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;

export function listLimit(limit: number | undefined): number {
  return Math.min(Math.max(Math.trunc(limit ?? DEFAULT_LIST_LIMIT), 1), MAX_LIST_LIMIT);
}
