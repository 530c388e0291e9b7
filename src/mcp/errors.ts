/**
 * Every failed tool call becomes one structured result (docs/mcp.md, "Results and errors"): the error code,
 * the tool name, recovery suggestions for a model, and a message that is sanitised (development) or generic
 * (MCP_PRODUCTION).
 */
import { z } from 'zod';
import {
  BinderyError,
  type EntityKind,
  ERROR_CODES,
  type ErrorCode,
  type FieldIssue,
  isBinderyError,
  suggestionsFor,
} from '../contract/index.js';
import type { Logger } from '../runtime/logger.js';
import { sanitizeMessage } from './security/index.js';

export const Metrics = z.strictObject({
  execution_time_ms: z.number(),
  operation: z.string(),
});

export const ToolErrorResult = z.strictObject({
  success: z.literal(false),
  error: z.string(),
  error_code: z.enum(ERROR_CODES),
  operation: z.string().describe('The tool that failed.'),
  context: z.record(z.string(), z.unknown()).optional(),
  suggestions: z.array(z.string()).optional(),
  metrics: Metrics.optional(),
});
export type ToolErrorResult = z.infer<typeof ToolErrorResult>;

const GENERIC_MESSAGES: Record<ErrorCode, string> = {
  validation_error: 'The input is not valid.',
  not_found: 'The requested item does not exist.',
  conflict: 'The change conflicts with the current state.',
  unauthorized: 'The request was not authorised.',
  permission_denied: 'The request is not allowed.',
  payload_too_large: 'The input is too large.',
  rate_limit_exceeded: 'Too many requests.',
  timeout_error: 'The backend did not answer in time.',
  connection_error: 'The backend is not reachable.',
  circuit_open: 'The backend is paused after repeated failures.',
  task_depth_exceeded: 'The subtask tree is nested too deep.',
  internal_error: 'An internal error occurred.',
};

/** Codes whose details describe the caller's own input, which a model needs even in production. */
const INPUT_CODES: ReadonlySet<ErrorCode> = new Set(['validation_error', 'task_depth_exceeded']);

const ENTITY_KINDS: readonly EntityKind[] = ['task', 'project', 'note', 'document', 'role', 'execution'];

/** `{task_id: …}` → task: a not_found that crossed HTTP may have lost its entity but keeps its details. */
function entityFromDetails(details: unknown): EntityKind | undefined {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return undefined;
  return ENTITY_KINDS.find((kind) => Object.hasOwn(details, `${kind}_id`));
}

/** Strings in error details pass the same redaction as messages (they may quote backend text). */
function sanitizeDetails(value: unknown): unknown {
  if (typeof value === 'string') return sanitizeMessage(value);
  if (Array.isArray(value)) return value.map(sanitizeDetails);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, sanitizeDetails(item)]));
  }
  return value;
}

function isFieldIssue(value: unknown): value is FieldIssue {
  return (
    typeof (value as FieldIssue | null)?.field === 'string' &&
    typeof (value as FieldIssue).reason === 'string'
  );
}

/** An API error whose details name API fields, restated with the tool's parameter paths. */
export function inParamTerms(thrown: unknown, paramPath: (field: string) => string): unknown {
  if (!isBinderyError(thrown) || !Array.isArray(thrown.details) || !thrown.details.every(isFieldIssue)) {
    return thrown;
  }
  const issues = thrown.details.map((issue: FieldIssue) => ({
    field: paramPath(issue.field),
    reason: issue.reason,
  }));
  if (thrown.code === 'validation_error') return BinderyError.validation(issues);
  return new BinderyError(thrown.code, thrown.message, {
    details: issues,
    entity: thrown.entity,
    retryAfterS: thrown.retryAfterS,
    httpStatus: thrown.httpStatus,
  });
}

export interface ErrorOptions {
  production: boolean;
  logger: Logger;
}

export function toolError(thrown: unknown, operation: string, options: ErrorOptions): ToolErrorResult {
  const error = isBinderyError(thrown)
    ? thrown
    : new BinderyError('internal_error', 'Internal error; the MCP server log has the details.');
  if (error.code === 'internal_error') options.logger.error({ err: thrown, tool: operation }, 'tool failed');
  else options.logger.debug({ code: error.code, tool: operation }, 'tool refused');

  const result: ToolErrorResult = {
    success: false,
    error: options.production ? GENERIC_MESSAGES[error.code] : sanitizeMessage(error.message),
    error_code: error.code,
    operation,
    suggestions: suggestionsFor(error.code, error.entity ?? entityFromDetails(error.details)),
  };
  const context: Record<string, unknown> = {};
  if (error.details !== undefined && (!options.production || INPUT_CODES.has(error.code))) {
    context.details = sanitizeDetails(error.details);
  }
  if (error.retryAfterS !== undefined) context.retry_after_s = error.retryAfterS;
  // A token's missing scope is named even in production: the model must know to ask for another token.
  const needed = (error.details as { needed_scope?: unknown } | null | undefined)?.needed_scope;
  if (typeof needed === 'string') context.needed_scope = needed;
  if (Object.keys(context).length > 0) result.context = context;
  return result;
}
