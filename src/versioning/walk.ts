import type { Problem } from '../errors/problem.js';
import {
  type ChangeContext,
  type ChangeModule,
  type ResponseContext,
  touches,
} from './change-module.js';
import type { VersionSet } from './version-set.js';

/**
 * The modules between the caller's version and the newest that touch this request, in the
 * order a request walks them (oldest change first). Responses walk them backwards.
 */
export function applicableChanges(set: VersionSet, context: ChangeContext): ChangeModule[] {
  const from = set.indexOf(context.version);
  if (from < 0) return [];
  const modules: ChangeModule[] = [];
  for (const version of set.versions.slice(from + 1)) {
    for (const change of version.changes) {
      if (touches(change.module, change.patterns, context)) modules.push(change.module);
    }
  }
  return modules;
}

/**
 * The caller's request body walked forward to the newest version's shape. Only a JSON
 * object is walked; any other body (null, array, scalar) reaches the route's validation as
 * it came.
 */
export function upgradeRequest(set: VersionSet, context: ChangeContext, body: unknown): unknown {
  if (!isPlainObject(body)) return body;
  let current: unknown = body;
  for (const module of applicableChanges(set, context)) {
    if (module.upgradeRequest) current = module.upgradeRequest(current, context);
  }
  return current;
}

/** True for a JSON object: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The handler's success body walked back to the caller's version. */
export function downgradeResponse(
  set: VersionSet,
  context: ResponseContext,
  body: unknown,
): unknown {
  let current = body;
  for (const module of applicableChanges(set, context).reverse()) {
    if (module.downgradeResponse) current = module.downgradeResponse(current, context);
  }
  return current;
}

/** A problem body walked back to the caller's version (modules without a transform pass it). */
export function downgradeError(
  set: VersionSet,
  context: ResponseContext,
  problem: Problem,
): Problem {
  let current = problem;
  for (const module of applicableChanges(set, context).reverse()) {
    if (module.downgradeError) current = module.downgradeError(current, context);
  }
  return current;
}
