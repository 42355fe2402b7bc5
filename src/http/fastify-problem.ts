import type { FastifyReply, FastifyRequest } from 'fastify';
import { isBreakwaterError } from '../errors/breakwater-error.js';
import { PROBLEM_CONTENT_TYPE, type Problem, toProblem } from '../errors/problem.js';

/**
 * The problem `instance` for a request: the path the client called, without its query. It is
 * `originalUrl`, not `url`, which a `rewriteUrl` (the API version prefix) has shortened.
 */
export function problemInstance(request: FastifyRequest): string {
  const url = request.originalUrl;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Answers a Fastify request with problem+json: the error's status and headers (e.g.
 * Retry-After), and `problem` (default `toProblem(error)`) as the body, its `instance` set to
 * `problemInstance(reply.request)`. Capability glue passes its own body where the problem
 * type is standardised (quota-exceeded).
 */
export function replyProblem(
  reply: FastifyReply,
  error: unknown,
  problem: Problem = toProblem(error),
): FastifyReply {
  if (isBreakwaterError(error)) reply.headers(error.headers);
  const body: Problem = { ...problem, instance: problemInstance(reply.request) };
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}
