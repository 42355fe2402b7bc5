import type { FastifyReply } from 'fastify';
import { isBreakwaterError } from '../errors/breakwater-error.js';
import { PROBLEM_CONTENT_TYPE, type Problem, toProblem } from '../errors/problem.js';

/**
 * Answers a Fastify request with problem+json: the error's status and headers (e.g.
 * Retry-After), and `problem` (default `toProblem(error, instance)`) as the body. Capability
 * glue passes its own body where the problem type is standardised (quota-exceeded).
 */
export function replyProblem(
  reply: FastifyReply,
  error: unknown,
  instance: string,
  problem: Problem = toProblem(error, instance),
): FastifyReply {
  if (isBreakwaterError(error)) reply.headers(error.headers);
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}
