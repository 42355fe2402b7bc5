import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { HttpAnswer } from '../pipeline/answer.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { PROBE_KINDS } from '../pipeline/probes.js';
import { UNMATCHED_ROUTE } from '../pipeline/request-log.js';
import type { RequestScope } from '../pipeline/request-scope.js';
import { normalizeFrameworkError } from './framework-error.js';
import { trackNodeResponse } from './node-response.js';

export interface BreakwaterFastifyOptions {
  pipeline: Pipeline;
}

function send(reply: FastifyReply, answer: HttpAnswer): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

const plugin: FastifyPluginAsync<BreakwaterFastifyOptions> = async (app, { pipeline }) => {
  const scopes = new WeakMap<FastifyRequest, RequestScope>();
  const { http } = pipeline;

  for (const kind of PROBE_KINDS) {
    app.get(http.paths[kind], async (_request, reply) => send(reply, await http.probe(kind)));
  }

  app.addHook('onRequest', (request, reply, done) => {
    const scope = http.begin({ method: request.method, traceparent: request.headers.traceparent });
    scopes.set(request, scope);
    const route = request.routeOptions.url;
    if (route !== undefined) scope.setRoute(route);
    trackNodeResponse(reply.raw, {
      onDone: (end) => scope.finish(end),
      countBody: request.method !== 'HEAD',
    });
    const probe = route === undefined ? undefined : http.probeAt(request.method, route);
    // The rest of the request runs inside the context (Fastify's body parsing keeps it).
    scope.run(() => {
      if (probe === undefined) return done();
      // Probes are answered here, before the app's own hooks (auth must not guard them).
      http.probe(probe).then((answer) => send(reply, answer), done);
    });
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const scope = scopes.get(request);
    if (scope) reply.headers(scope.responseHeaders());
    done(null, payload);
  });

  app.setErrorHandler((error, request, reply) => {
    const answer = http.problem(normalizeFrameworkError(error), {
      path: request.url,
      scope: scopes.get(request),
    });
    return send(reply, answer);
  });

  app.setNotFoundHandler((request, reply) => {
    const scope = scopes.get(request);
    scope?.setRoute(UNMATCHED_ROUTE);
    const error = new BreakwaterError(
      errors.HTTP_NOT_FOUND,
      'No route matches this method and path.',
    );
    return send(reply, http.problem(error, { path: request.url, scope }));
  });
};

/**
 * The Fastify plugin (wrapped with fastify-plugin, so it applies to the whole app): trace
 * context per request, one log line, metrics, /live /ready /health /metrics, problem+json
 * for errors and unknown routes. Register it before the routes and before the auth hook.
 */
export const breakwaterFastify = fp(plugin, { name: 'breakwater', fastify: '5.x' });
