import {
  BreakwaterError,
  type ErrorDefinition,
  isBreakwaterError,
} from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/** The parts of Fastify, body-parser and similar framework errors we read. */
interface FrameworkErrorLike {
  statusCode?: unknown;
  status?: unknown;
  type?: unknown;
  code?: unknown;
  validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
  validationContext?: string;
}

/** `body/name` from an Ajv error as Fastify reports it. */
function validationField(error: FrameworkErrorLike): { field: string; message: string } {
  const first = error.validation?.[0] ?? {};
  const missing = first.params?.missingProperty;
  const path = `${first.instancePath ?? ''}${typeof missing === 'string' ? `/${missing}` : ''}`;
  return {
    field: `${error.validationContext ?? 'request'}${path}`,
    message: first.message ?? 'is invalid',
  };
}

const CLIENT_ERRORS: Record<number, [definition: ErrorDefinition, detail: string]> = {
  400: [errors.HTTP_BAD_REQUEST, 'The request could not be read.'],
  401: [errors.HTTP_UNAUTHORIZED, 'The request needs valid credentials.'],
  403: [errors.HTTP_FORBIDDEN, 'The credentials do not allow this request.'],
  404: [errors.HTTP_NOT_FOUND, 'No such resource.'],
  405: [errors.HTTP_METHOD_NOT_ALLOWED, 'The resource does not support this method.'],
  413: [errors.HTTP_PAYLOAD_TOO_LARGE, 'The request body is larger than the server accepts.'],
  415: [
    errors.HTTP_UNSUPPORTED_MEDIA_TYPE,
    'The request body has a media type the server does not accept.',
  ],
};

function isJsonParseError(error: FrameworkErrorLike): boolean {
  return (
    error.type === 'entity.parse.failed' ||
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    error instanceof SyntaxError
  );
}

/**
 * Turns a framework's client error into one of ours so it leaves as a 4xx problem, never a
 * 500: schema validation -> BW_HTTP_VALIDATION naming the field; unreadable JSON ->
 * BW_HTTP_BAD_REQUEST; 401/403/404/405/413/415 by status, any other 4xx as 400. Details are fixed sentences (a JSON
 * parser's message can quote the body). Anything else is returned unchanged.
 */
export function normalizeFrameworkError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null || isBreakwaterError(error)) return error;
  const e = error as FrameworkErrorLike;
  if (Array.isArray(e.validation) && e.validation.length > 0) {
    const { field, message } = validationField(e);
    return new BreakwaterError(errors.HTTP_VALIDATION, `${field} ${message}`, {
      cause: error,
      extensions: { field },
    });
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : e.status;
  if (typeof status !== 'number' || status < 400 || status > 499) return error;
  if (status === 400 && isJsonParseError(e)) {
    return new BreakwaterError(errors.HTTP_BAD_REQUEST, 'The request body is not valid JSON.', {
      cause: error,
    });
  }
  const [definition, detail] = CLIENT_ERRORS[status] ?? CLIENT_ERRORS[400]!;
  return new BreakwaterError(definition, detail, { cause: error });
}
