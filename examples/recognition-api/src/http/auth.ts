import type { FastifyRequest } from 'fastify';
import { BreakwaterError } from '../../../../src/errors/breakwater-error.js';
import { errors } from '../../../../src/errors/registry.js';
import { hashApiKey, presentedKey } from '../api-key.js';
import type { Caller } from '../recognition.js';
import type { RecognitionRepository } from '../repository/index.js';

/** Where the authenticated caller is told to the request pipeline (logs, traces, metrics). */
export type IdentitySink = (identity: { tenantId: string; userId: string }) => void;

const challenge = { 'WWW-Authenticate': 'Bearer' };

function unauthorized(detail: string): BreakwaterError {
  return new BreakwaterError(errors.HTTP_UNAUTHORIZED, detail, { headers: challenge });
}

const callers = new WeakMap<FastifyRequest, Caller>();

/**
 * An onRequest hook that turns the request's API key into its caller, or rejects it with a
 * 401 problem. The organization comes from the key alone: no header can choose it.
 */
export function authenticate(repo: RecognitionRepository, setIdentity: IdentitySink) {
  return async (request: FastifyRequest): Promise<void> => {
    const key = presentedKey(request.headers);
    if (key === undefined) {
      throw unauthorized('send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    }
    const caller = await repo.findApiKey(hashApiKey(key));
    if (!caller) throw unauthorized('the API key is not valid');
    callers.set(request, caller);
    setIdentity({ tenantId: caller.orgId, userId: caller.userId });
  };
}

/** The caller `authenticate` recognised; only call from a route behind that hook. */
export function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (!caller) throw unauthorized('the request was not authenticated');
  return caller;
}
