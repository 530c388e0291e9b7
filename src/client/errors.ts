import { BinderyError, type BinderyErrorOptions, type ErrorCode } from '../contract/index.js';

/**
 * Where a failed attempt went wrong. The resilience layer decides on it alone: `network` (no complete
 * answer: refused, reset, timed out) and some `status` answers are retried; `limit` (an answer over the
 * size limit) is the client's own refusal and is neither retried nor held against the server.
 */
export type FailureOrigin = 'network' | 'status' | 'malformed' | 'limit';

/** A BinderyError with its error code and message for the caller, plus its origin for retry and breaker. */
export class TransportError extends BinderyError {
  constructor(
    readonly origin: FailureOrigin,
    code: ErrorCode,
    message: string,
    options: BinderyErrorOptions = {},
  ) {
    super(code, message, options);
  }
}
