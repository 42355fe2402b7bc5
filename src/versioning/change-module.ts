import type { Problem } from '../errors/problem.js';

/**
 * The shapes one change module converts between, named so a module reads like its intent:
 * a request arrives in `oldRequest` and the handler sees `newRequest`; the handler answers
 * `newResponse` and an older caller receives `oldResponse`. Leave out what it does not touch.
 */
export interface ChangeShapes {
  oldRequest?: unknown;
  newRequest?: unknown;
  newResponse?: unknown;
  oldResponse?: unknown;
}

type Shape<S extends ChangeShapes, K extends keyof ChangeShapes> = K extends keyof S
  ? S[K]
  : unknown;

/** What a transform knows about the request it works on. */
export interface ChangeContext {
  /** Upper-case method. */
  readonly method: string;
  /** The route template without its version prefix, e.g. `/recognitions/:id`. */
  readonly route: string;
  /** Resource types the route declared (Fastify `config.versioning.resources`). */
  readonly resources: readonly string[];
  /** The caller's version (canonical). */
  readonly version: string;
}

/** A response transform also knows the status it is converting. */
export interface ResponseContext extends ChangeContext {
  readonly status: number;
}

/**
 * One backwards-incompatible change, written once and kept forever: the version that
 * introduced it, a description for the changelog, what it touches (routes such as
 * `POST /recognitions` or `/recognitions/:id` for every method, or resource types routes
 * declare), and the transforms between the shape before it and after it. Requests are
 * walked forward through every newer module before the handler runs; responses and errors
 * are walked back after it. Requests are validated after the upgrade (by the route's
 * schema), so an upgrade must pass through fields it does not recognise or whose type is
 * wrong rather than assume the old shape. Declare one with `defineChange`.
 */
export interface ChangeModule<
  OldRequest = unknown,
  NewRequest = unknown,
  NewResponse = unknown,
  OldResponse = unknown,
> {
  /** The version that introduced the change (not the oldest one: nothing precedes it). */
  readonly version: string | number;
  /** One or two sentences for the changelog. */
  readonly description: string;
  /** `METHOD /template` or `/template` (every method); templates without version prefix. */
  readonly routes?: readonly string[];
  /** Resource types; a route names those it serves in its versioning config. */
  readonly resources?: readonly string[];
  /** Old request body -> new; runs only for a JSON object body (its fields are unchecked). */
  upgradeRequest?(body: OldRequest, context: ChangeContext): NewRequest;
  /** New success body (status below 400) -> old. */
  downgradeResponse?(body: NewResponse, context: ResponseContext): OldResponse;
  /** New problem body (status 400 and over) -> old; errors pass unchanged without it. */
  downgradeError?(problem: Problem, context: ResponseContext): Problem;
}

/** A change module typed by its named shapes (see `ChangeShapes`). */
export type TypedChangeModule<S extends ChangeShapes> = ChangeModule<
  Shape<S, 'oldRequest'>,
  Shape<S, 'newRequest'>,
  Shape<S, 'newResponse'>,
  Shape<S, 'oldResponse'>
>;

/**
 * Declares a change module with its shapes checked by the compiler, e.g.
 * `defineChange<{ oldRequest: V1; newRequest: V2; newResponse: V2View; oldResponse: V1View }>`;
 * returns it unchanged.
 */
export function defineChange<S extends ChangeShapes>(
  module: TypedChangeModule<S>,
): TypedChangeModule<S> {
  return module;
}

/** A parsed `routes` entry. */
export interface RoutePattern {
  /** Upper-case method, or undefined for every method. */
  method: string | undefined;
  path: string;
}

const ROUTE = /^(?:([A-Za-z]+) +)?(\/\S*)$/;

/** `POST /recognitions` -> `{ method: 'POST', path: '/recognitions' }`; undefined if malformed. */
export function parseRoutePattern(pattern: string): RoutePattern | undefined {
  const match = ROUTE.exec(pattern.trim());
  if (!match?.[2]) return undefined;
  return { method: match[1]?.toUpperCase(), path: match[2] };
}

/** True when `route` served with `method` is what `pattern` names. */
export function routeMatches(pattern: RoutePattern, method: string, route: string): boolean {
  return pattern.path === route && (pattern.method === undefined || pattern.method === method);
}

/** True when the module touches this request's route or one of its resource types. */
export function touches(
  module: ChangeModule,
  patterns: readonly RoutePattern[],
  context: ChangeContext,
): boolean {
  if (patterns.some((p) => routeMatches(p, context.method, context.route))) return true;
  return (module.resources ?? []).some((r) => context.resources.includes(r));
}
