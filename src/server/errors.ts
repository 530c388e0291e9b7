import { BinderyError, ERROR_INFO, type ErrorCode, isBinderyError } from '../contract/index.js';

/** The JSON body of every error response (docs/design.md, "Errors"). */
export interface ErrorBody {
  error: string;
  code: ErrorCode;
  details?: unknown;
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

/**
 * Any thrown value → a BinderyError safe to send. Fastify's own client errors keep their meaning;
 * everything unexpected becomes a generic internal_error so no SQL, path or stack leaves the process.
 */
export function toBinderyError(error: unknown): BinderyError {
  if (isBinderyError(error)) return error;
  const e = (error ?? {}) as FastifyLikeError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BinderyError('payload_too_large', 'The request body is larger than this route accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new BinderyError(
        'validation_error',
        'Send the body as JSON with Content-Type: application/json.',
        {
          httpStatus: e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 415 : 400,
        },
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return BinderyError.validation([{ field: '(body)', reason: 'the JSON body is empty' }]);
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return new BinderyError('validation_error', 'The request could not be read.', {
      httpStatus: e.statusCode,
    });
  }
  return new BinderyError('internal_error', 'Internal error; the server log has the details.', {
    cause: error,
  });
}

export function errorBody(error: BinderyError): ErrorBody {
  const body: ErrorBody = { error: error.message, code: error.code };
  if (error.details !== undefined) body.details = error.details;
  return body;
}

export function rpcErrorCode(code: ErrorCode): number {
  return ERROR_INFO[code].rpcCode;
}
