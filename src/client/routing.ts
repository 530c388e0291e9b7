import { randomUUID } from 'node:crypto';
import { BinderyError, type HttpMethod, type OperationName, operations } from '../contract/index.js';

export interface HttpRequest {
  method: HttpMethod;
  /** Path and query string, relative to the client's base URL. */
  path: string;
  body?: string;
  /** Set on every mutation; reused by every retry of the same logical call. */
  idempotencyKey?: string;
  /** Revalidating a cached entity: the server answers 304 when its version is still this tag. */
  ifNoneMatch?: string;
}

const BODY_METHODS: ReadonlySet<HttpMethod> = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The HTTP request of an operation, derived from its route in the operation table the same way the server
 * reads it back: `:name` path segments from the input field of that name, the remaining fields as the JSON
 * body (POST/PUT/PATCH) or the query string (GET/DELETE). The body is size-checked before anything is sent.
 */
export function buildRequest(
  name: OperationName,
  args: Record<string, unknown>,
  defaultBodyLimit: number,
): HttpRequest {
  const { kind, http } = operations[name];
  const rest = { ...args };
  const path = http.path.replace(/:([A-Za-z_]+)/g, (_match, param: string) => {
    const value = rest[param];
    delete rest[param];
    return encodeURIComponent(String(value));
  });
  const request: HttpRequest = { method: http.method, path };
  if (kind !== 'read') request.idempotencyKey = randomUUID();
  if (BODY_METHODS.has(http.method)) {
    const body = JSON.stringify(rest);
    const limit = http.bodyLimit ?? defaultBodyLimit;
    const size = Buffer.byteLength(body);
    if (size > limit) {
      throw new BinderyError(
        'payload_too_large',
        `The ${name} request is ${size} bytes; the server accepts at most ${limit}.`,
        {
          details: { size_bytes: size, limit_bytes: limit },
        },
      );
    }
    request.body = body;
    return request;
  }
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    for (const item of [value].flat()) query.append(key, String(item));
  }
  const search = query.toString();
  if (search) request.path += `?${search}`;
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
