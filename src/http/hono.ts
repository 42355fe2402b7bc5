import { ServerResponse } from 'node:http';
import type { Context, ErrorHandler, Hono, MiddlewareHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BreakwaterError, isBreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { HttpAnswer } from '../pipeline/answer.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { UNMATCHED_ROUTE } from '../pipeline/request-log.js';
import type { RequestScope } from '../pipeline/request-scope.js';
import { normalizeFrameworkError } from './framework-error.js';
import { trackNodeResponse } from './node-response.js';
import { trackWebResponse } from './web-body.js';

/** Scopes by Hono context, shared by the middleware and the notFound/onError handlers. */
const scopes = new WeakMap<Context, RequestScope>();

function respond(c: Context, answer: HttpAnswer): Response {
  return c.body(answer.body, answer.status as ContentfulStatusCode, answer.headers);
}

/** The Node response under @hono/node-server (`c.env.outgoing`), when there is one. */
function nodeResponse(env: unknown): ServerResponse | undefined {
  const outgoing = (env as { outgoing?: unknown } | undefined)?.outgoing;
  return outgoing instanceof ServerResponse ? outgoing : undefined;
}

/**
 * The Hono middleware: `app.use('*', breakwaterHono(pipeline))` first, plus
 * `app.notFound(breakwaterHonoNotFound(pipeline))` and `app.onError(breakwaterHonoOnError(pipeline))`
 * (or `installBreakwaterHono(app, pipeline)` for all three). On @hono/node-server the log line
 * is written when the response finished; elsewhere when its body was read to the end.
 */
export function breakwaterHono(pipeline: Pipeline): MiddlewareHandler {
  const { http } = pipeline;
  return async (c, next) => {
    const scope = http.begin({ method: c.req.method, traceparent: c.req.header('traceparent') });
    scopes.set(c, scope);
    const own = c.req.routeIndex;
    // The handler running now (or last) is the route; none past this middleware is a 404.
    const captureRoute = () => {
      if (scope.context.route !== undefined) return;
      const index = c.req.routeIndex;
      scope.setRoute(index === own ? UNMATCHED_ROUTE : routePath(c, index));
    };
    const outgoing = nodeResponse(c.env);
    if (outgoing) {
      trackNodeResponse(outgoing, {
        onDone: (end) => {
          captureRoute();
          scope.finish(end);
        },
        countBody: c.req.method !== 'HEAD',
      });
    }
    const probe = http.probeAt(c.req.method, c.req.path);
    if (probe !== undefined) {
      scope.setRoute(http.paths[probe]);
      const answer = await http.probe(probe);
      c.res = respond(c, { ...answer, headers: { ...answer.headers, ...scope.responseHeaders() } });
    } else {
      await scope.run(next);
      captureRoute();
      for (const [name, value] of Object.entries(scope.responseHeaders())) c.header(name, value);
    }
    if (!outgoing) {
      c.res = trackWebResponse(c.res, (end) => scope.finish(end), c.req.method !== 'HEAD');
    }
    return c.res;
  };
}

/** Hono's errors as ours: HTTPException 4xx keeps its status, message and headers. */
export function normalizeHonoError(error: unknown): unknown {
  if (error instanceof SyntaxError) {
    // `c.req.json()` on a malformed body: Hono has no parsing layer of its own.
    return new BreakwaterError(errors.HTTP_BAD_REQUEST, 'The request body is not valid JSON.', {
      cause: error,
    });
  }
  if (!(error instanceof HTTPException)) return normalizeFrameworkError(error);
  const malformed = /malformed json/i.test(error.message);
  const mapped = normalizeFrameworkError({
    status: error.status,
    type: malformed ? 'entity.parse.failed' : undefined,
  });
  if (!isBreakwaterError(mapped)) return mapped;
  const headers: Record<string, string> = {};
  error.res?.headers.forEach((value, name) => {
    if (name !== 'content-type' && name !== 'content-length') headers[name] = value;
  });
  const detail = malformed || error.message === '' ? mapped.message : error.message;
  return new BreakwaterError(mapped, detail, { cause: error, headers });
}

/** `app.onError(...)`: problem+json for every error. */
export function breakwaterHonoOnError(pipeline: Pipeline): ErrorHandler {
  return (error, c) =>
    respond(
      c,
      pipeline.http.problem(normalizeHonoError(error), { path: c.req.path, scope: scopes.get(c) }),
    );
}

/** `app.notFound(...)`: the 404 problem. */
export function breakwaterHonoNotFound(pipeline: Pipeline): NotFoundHandler {
  return (c) => {
    const scope = scopes.get(c);
    scope?.setRoute(UNMATCHED_ROUTE);
    const error = new BreakwaterError(
      errors.HTTP_NOT_FOUND,
      'No route matches this method and path.',
    );
    return respond(c, pipeline.http.problem(error, { path: c.req.path, scope }));
  };
}

/** Installs the middleware, the 404 handler and the error handler on `app`; returns it. */
export function installBreakwaterHono<T extends Hono>(app: T, pipeline: Pipeline): T {
  app.use('*', breakwaterHono(pipeline));
  app.notFound(breakwaterHonoNotFound(pipeline));
  app.onError(breakwaterHonoOnError(pipeline));
  return app;
}
