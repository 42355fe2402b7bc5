import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { HttpAnswer } from '../pipeline/answer.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { PROBE_KINDS } from '../pipeline/probes.js';
import { type RequestEnd, UNMATCHED_ROUTE } from '../pipeline/request-log.js';
import type { RequestScope } from '../pipeline/request-scope.js';
import { normalizeFrameworkError } from './framework-error.js';
import { type NodeResponseOptions, trackNodeResponse } from './node-response.js';

export interface BreakwaterFastifyOptions {
  pipeline: Pipeline;
}

function send(reply: FastifyReply, answer: HttpAnswer): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

/** Where a request's scope is kept, on the request and its response: no WeakMap, no closure. */
const SCOPE = Symbol('breakwater.scope');
type Scoped<T> = T & { [SCOPE]?: RequestScope };

const scopeOf = (request: FastifyRequest) => (request as Scoped<FastifyRequest>)[SCOPE];

/**
 * The trace headers go on right before the headers are written, so every answer gets them
 * (routes, errors, 404s, probes) without an onSend hook per request. Fastify hands its
 * headers object to writeHead: adding to it keeps Node on its fast path.
 */
function addTraceHeaders(res: ServerResponse, into: Record<string, unknown> | undefined): void {
  const scope = (res as Scoped<ServerResponse>)[SCOPE];
  if (!scope) return;
  const headers = scope.responseHeaders();
  for (const name in headers) {
    if (into) into[name] = headers[name];
    else res.setHeader(name, headers[name] as string);
  }
}

function finishScope(end: RequestEnd, res: ServerResponse): void {
  (res as Scoped<ServerResponse>)[SCOPE]?.finish(end);
}

// Shared by every request: the per-request state is the scope on the response.
const TRACK_WITH_BODY: NodeResponseOptions = {
  onHeaders: addTraceHeaders,
  onDone: finishScope,
  countBody: true,
};
const TRACK_HEAD: NodeResponseOptions = { ...TRACK_WITH_BODY, countBody: false };

const plugin: FastifyPluginAsync<BreakwaterFastifyOptions> = async (app, { pipeline }) => {
  const { http } = pipeline;

  for (const kind of PROBE_KINDS) {
    app.get(http.paths[kind], async (_request, reply) => send(reply, await http.probe(kind)));
  }

  app.addHook('onRequest', (request, reply, done) => {
    const scope = http.begin({ method: request.method, traceparent: request.headers.traceparent });
    const res = reply.raw;
    (request as Scoped<FastifyRequest>)[SCOPE] = scope;
    (res as Scoped<ServerResponse>)[SCOPE] = scope;
    const route = request.routeOptions.url;
    if (route !== undefined) scope.setRoute(route);
    trackNodeResponse(res, request.method === 'HEAD' ? TRACK_HEAD : TRACK_WITH_BODY);
    const probe = route === undefined ? undefined : http.probeAt(request.method, route);
    // The rest of the request runs inside the context (Fastify's body parsing keeps it).
    if (probe === undefined) return scope.run(done);
    // Probes are answered here, before the app's own hooks (auth must not guard them).
    scope.run(() => {
      http.probe(probe).then((answer) => send(reply, answer), done);
    });
  });

  app.setErrorHandler((error, request, reply) => {
    const answer = http.problem(normalizeFrameworkError(error), {
      path: request.originalUrl,
      scope: scopeOf(request),
    });
    return send(reply, answer);
  });

  app.setNotFoundHandler((request, reply) => {
    const scope = scopeOf(request);
    scope?.setRoute(UNMATCHED_ROUTE);
    const error = new BreakwaterError(
      errors.HTTP_NOT_FOUND,
      'No route matches this method and path.',
    );
    return send(reply, http.problem(error, { path: request.originalUrl, scope }));
  });
};

/**
 * The Fastify plugin (wrapped with fastify-plugin, so it applies to the whole app): trace
 * context per request, one log line, metrics, /live /ready /health /metrics, problem+json
 * for errors and unknown routes. Register it before the routes and before the auth hook.
 */
export const breakwaterFastify = fp(plugin, { name: 'breakwater', fastify: '5.x' });
