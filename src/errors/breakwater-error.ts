/** Brand that marks our errors, so two copies of the package still recognise each other's. */
const BRAND = Symbol.for('breakwater.error');

export interface ErrorDefinition {
  /** Stable code, never reused: `BW_<AREA>_<WHAT>`. */
  readonly code: string;
  /** HTTP status when the error leaves over HTTP. */
  readonly status: number;
  /** Short, human-readable summary; becomes the problem `title`. */
  readonly title: string;
}

export interface BreakwaterErrorOptions {
  cause?: unknown;
  /** Extra members for the problem+json body (RFC 9457 extensions). */
  extensions?: Record<string, unknown>;
  /** Response headers that belong with the error (e.g. Retry-After). */
  headers?: Record<string, string>;
}

/** An error with a stable code, an HTTP status and a one-line detail. */
export class BreakwaterError extends Error {
  readonly [BRAND] = true;
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(definition: ErrorDefinition, detail: string, options: BreakwaterErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BreakwaterError';
    this.code = definition.code;
    this.status = definition.status;
    this.title = definition.title;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

/** True for any Breakwater error, including one thrown by another copy of the package. */
export function isBreakwaterError(value: unknown): value is BreakwaterError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}

/** True when `value` is a Breakwater error with the given definition's code. */
export function hasCode(value: unknown, definition: ErrorDefinition): value is BreakwaterError {
  return isBreakwaterError(value) && value.code === definition.code;
}
