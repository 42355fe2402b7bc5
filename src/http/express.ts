import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { HttpAnswer } from '../pipeline/answer.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { UNMATCHED_ROUTE } from '../pipeline/request-log.js';
import type { RequestScope } from '../pipeline/request-scope.js';
import { normalizeFrameworkError } from './framework-error.js';
import { trackNodeResponse } from './node-response.js';

export interface BreakwaterExpress {
  /** `app.use(before)` first: context, trace headers, log line, metrics, probes. */
  before: RequestHandler;
  /** `app.use(after)` last: the 404 problem, then the error handler. */
  after: [RequestHandler, ErrorRequestHandler];
  notFound: RequestHandler;
  onError: ErrorRequestHandler;
}

function send(res: Response, answer: HttpAnswer): void {
  res.status(answer.status).set(answer.headers).send(answer.body);
}

/** `req.baseUrl` + `req.route.path`: the template of the route that matched. */
export function expressRoute(req: Request): string | undefined {
  const path: unknown = req.route?.path;
  if (path === undefined) return undefined;
  const template = typeof path === 'string' ? path : String(path);
  return req.baseUrl && template === '/' ? req.baseUrl : `${req.baseUrl}${template}`;
}

/** The Express middleware pair around an app's routes; see BreakwaterExpress. */
export function breakwaterExpress(pipeline: Pipeline): BreakwaterExpress {
  const { http } = pipeline;
  const scopes = new WeakMap<Request, RequestScope>();

  const before: RequestHandler = (req, res, next) => {
    const scope = http.begin({ method: req.method, traceparent: req.headers.traceparent });
    scopes.set(req, scope);
    const captureRoute = () => {
      const route = scope.context.route === undefined ? expressRoute(req) : undefined;
      if (route !== undefined) scope.setRoute(route);
    };
    trackNodeResponse(res, {
      countBody: req.method !== 'HEAD',
      onHeaders: () => {
        captureRoute();
        for (const [name, value] of Object.entries(scope.responseHeaders())) {
          res.setHeader(name, value);
        }
      },
      onDone: (end) => {
        captureRoute();
        scope.finish(end);
      },
    });
    const probe = http.probeAt(req.method, req.path);
    if (probe === undefined) return scope.run(next);
    scope.setRoute(http.paths[probe]);
    http.probe(probe).then((answer) => send(res, answer), next);
  };

  const notFound: RequestHandler = (req, res) => {
    const scope = scopes.get(req);
    scope?.setRoute(UNMATCHED_ROUTE);
    const error = new BreakwaterError(
      errors.HTTP_NOT_FOUND,
      'No route matches this method and path.',
    );
    send(res, http.problem(error, { path: req.originalUrl, scope }));
  };

  const onError: ErrorRequestHandler = (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const scope = scopes.get(req);
    send(res, http.problem(normalizeFrameworkError(error), { path: req.originalUrl, scope }));
  };

  return { before, after: [notFound, onError], notFound, onError };
}
