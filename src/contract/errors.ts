/**
 * Bindery's error codes (docs/design.md, "Errors"), their HTTP status and JSON-RPC code, and recovery suggestions written for
 * an AI reader. Every layer throws and maps `BinderyError`, so a 404 at the store is still `not_found`
 * with the same suggestions when it reaches an MCP client.
 */
import { RPC_INTERNAL_ERROR, RPC_INVALID_PARAMS } from './rpc.js';

export const ERROR_CODES = [
  'validation_error',
  'not_found',
  'conflict',
  'unauthorized',
  'permission_denied',
  'payload_too_large',
  'rate_limit_exceeded',
  'timeout_error',
  'connection_error',
  'circuit_open',
  'task_depth_exceeded',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The entity kinds errors talk about; suggestions name the tool that helps with each. */
export type EntityKind = 'task' | 'project' | 'note' | 'document' | 'role' | 'execution';

export interface FieldIssue {
  field: string;
  reason: string;
}

interface ErrorCodeInfo {
  httpStatus: number;
  /** JSON-RPC error code: the standard -32602 for bad params, -32000…-32099 for application errors. */
  rpcCode: number;
  suggestions: string[];
}

export const ERROR_INFO: Readonly<Record<ErrorCode, ErrorCodeInfo>> = {
  validation_error: {
    httpStatus: 400,
    rpcCode: RPC_INVALID_PARAMS,
    suggestions: ['Fix the fields listed in details and send the request again; unknown fields are refused.'],
  },
  not_found: {
    httpStatus: 404,
    rpcCode: -32001,
    suggestions: ['Check the id; list the entities to see which exist.'],
  },
  conflict: {
    httpStatus: 409,
    rpcCode: -32002,
    suggestions: [
      'Read the entity again for its current state; retry an update with the version you read as expected_version, or execute_task with force to take over a running execution.',
    ],
  },
  unauthorized: {
    httpStatus: 401,
    rpcCode: -32003,
    suggestions: [
      'Send Authorization: Bearer <token>: BINDERY_TOKEN or a named token (bindery token create).',
    ],
  },
  permission_denied: {
    httpStatus: 403,
    rpcCode: -32004,
    suggestions: [
      'Use the loopback address, or add the host/origin to BINDERY_ALLOWED_HOSTS / BINDERY_ALLOWED_ORIGINS.',
    ],
  },
  payload_too_large: {
    httpStatus: 413,
    rpcCode: -32005,
    suggestions: ['Send less data per request: split the content or the batch.'],
  },
  rate_limit_exceeded: {
    httpStatus: 429,
    rpcCode: -32007,
    suggestions: ['Wait for the time given in Retry-After, then retry.'],
  },
  timeout_error: {
    httpStatus: 504,
    rpcCode: -32008,
    suggestions: [
      'Retry; if it keeps timing out, check the backend with health_check or raise BINDERY_TIMEOUT.',
    ],
  },
  connection_error: {
    httpStatus: 502,
    rpcCode: -32009,
    suggestions: ['The Bindery server is not reachable: run health_check or `bindery status`, then retry.'],
  },
  circuit_open: {
    httpStatus: 503,
    rpcCode: -32010,
    suggestions: [
      'The backend failed repeatedly; calls are paused briefly. Run health_check and retry later.',
    ],
  },
  task_depth_exceeded: {
    httpStatus: 400,
    rpcCode: -32011,
    suggestions: [
      'Nest subtasks at most 10 levels below the root task; create deeper levels in a second call.',
    ],
  },
  internal_error: {
    httpStatus: 500,
    rpcCode: RPC_INTERNAL_ERROR,
    suggestions: ['Retry once; if it persists, report it with the server log from .vespera/logs.'],
  },
};

const ENTITY_SUGGESTIONS: Record<EntityKind, string> = {
  task: 'list_tasks shows the ids that exist.',
  project: 'list_projects shows the ids that exist.',
  note: 'list_notes shows the ids that exist.',
  document: 'list_documents shows the ids that exist.',
  role: 'list_roles shows the role names that exist.',
  execution: 'execute_task returns the execution id to use.',
};

export function suggestionsFor(code: ErrorCode, entity?: EntityKind): string[] {
  if (code === 'not_found' && entity) return [ENTITY_SUGGESTIONS[entity]];
  return ERROR_INFO[code].suggestions;
}

export interface BinderyErrorOptions {
  details?: unknown;
  entity?: EntityKind;
  cause?: unknown;
  /** Seconds a client should wait before retrying (429/503). */
  retryAfterS?: number;
  /** HTTP status when it differs from the code's usual one (415 is a validation_error, 503 a connection_error). */
  httpStatus?: number;
  /** Recovery suggestions when the code's usual ones do not fit (a token's missing scope). */
  suggestions?: string[];
}

export class BinderyError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly entity: EntityKind | undefined;
  readonly retryAfterS: number | undefined;
  readonly httpStatus: number;
  private readonly ownSuggestions: string[] | undefined;

  constructor(code: ErrorCode, message: string, options: BinderyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BinderyError';
    this.code = code;
    this.details = options.details;
    this.entity = options.entity;
    this.retryAfterS = options.retryAfterS;
    this.httpStatus = options.httpStatus ?? ERROR_INFO[code].httpStatus;
    this.ownSuggestions = options.suggestions;
  }

  get suggestions(): string[] {
    return this.ownSuggestions ?? suggestionsFor(this.code, this.entity);
  }

  static validation(issues: FieldIssue[]): BinderyError {
    const summary = issues.map((i) => `${i.field || '(input)'}: ${i.reason}`).join('; ');
    return new BinderyError('validation_error', `Invalid input: ${summary}`, { details: issues });
  }

  static notFound(entity: EntityKind, id: string): BinderyError {
    return new BinderyError('not_found', `No ${entity} with id ${id}.`, {
      entity,
      details: { [`${entity}_id`]: id },
    });
  }

  static conflict(message: string, details?: unknown): BinderyError {
    return new BinderyError('conflict', message, { details });
  }
}

export function isBinderyError(value: unknown): value is BinderyError {
  return value instanceof BinderyError;
}

/** HTTP status → error code, for answers that carry no code of their own (proxies, load balancers). */
export function codeForHttpStatus(status: number): ErrorCode {
  const known: Record<number, ErrorCode> = {
    400: 'validation_error',
    401: 'unauthorized',
    403: 'permission_denied',
    404: 'not_found',
    408: 'timeout_error',
    409: 'conflict',
    413: 'payload_too_large',
    415: 'validation_error',
    429: 'rate_limit_exceeded',
    502: 'connection_error',
    503: 'connection_error',
    504: 'timeout_error',
  };
  return known[status] ?? (status >= 500 ? 'internal_error' : 'validation_error');
}
