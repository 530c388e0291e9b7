import { randomUUID } from 'node:crypto';
import {
  BinderyError,
  type HttpMethod,
  type OperationName,
  operations,
  requestFromInput,
} from '../contract/index.js';

export interface HttpRequest {
  method: HttpMethod;
  /** Path and query string, relative to the client's base URL. */
  path: string;
  body?: string;
  /** Set on every mutation; reused by every retry of the same logical call. */
  idempotencyKey?: string;
}

/**
 * The HTTP request of an operation, from its route in the operation table through the same mapping the
 * server reads it back with (contract/http.ts). A mutation gets an Idempotency-Key; the body is
 * size-checked before anything is sent.
 */
export function buildRequest(
  name: OperationName,
  args: Record<string, unknown>,
  defaultBodyLimit: number,
): HttpRequest {
  const { kind, http } = operations[name];
  const parts = requestFromInput(http, args);
  const request: HttpRequest = { method: parts.method, path: parts.path };
  if (kind === 'create' || kind === 'write') request.idempotencyKey = randomUUID();
  if (parts.body === undefined) return request;
  const body = JSON.stringify(parts.body);
  const limit = http.bodyLimit ?? defaultBodyLimit;
  const size = Buffer.byteLength(body);
  if (size > limit) {
    throw new BinderyError(
      'payload_too_large',
      `The ${name} request is ${size} bytes; the server accepts at most ${limit}.`,
      { details: { size_bytes: size, limit_bytes: limit } },
    );
  }
  request.body = body;
  return request;
}

/**
 * Safe to send again after a failure that may have reached the server: reads (search is a POST read),
 * GET/PUT/PATCH/DELETE, and POSTs carrying an Idempotency-Key, which the server answers once. PATCH counts
 * as idempotent because a Bindery PATCH sets absolute field values (no relative operations): repeating it
 * lands in the same state.
 */
export function isIdempotent(name: OperationName, request: HttpRequest): boolean {
  return (
    operations[name].kind === 'read' || request.method !== 'POST' || request.idempotencyKey !== undefined
  );
}
