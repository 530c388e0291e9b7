import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import {
  BINDERY_VERSION,
  codeForHttpStatus,
  type EntityKind,
  ERROR_CODES,
  type ErrorCode,
} from '../contract/index.js';
import { injectTraceContext } from '../runtime/tracing.js';
import { TransportError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import type { HttpRequest } from './routing.js';
import { Pool } from './undici.js';

export interface HttpAnswer {
  status: number;
  text: string;
  bytes: number;
}

interface Answer extends HttpAnswer {
  headers: IncomingHttpHeaders;
}

export interface PoolStats {
  connected: number;
  free: number;
  pending: number;
  queued: number;
  running: number;
  size: number;
}

const ENTITIES: readonly EntityKind[] = ['task', 'project', 'note', 'document', 'role', 'execution'];

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** An error answer → the server's own error code, message and details; a foreign body → the status's code. */
function statusError(status: number, headers: IncomingHttpHeaders, text: string): TransportError {
  const retryAfterS = retryAfterSeconds(headers['retry-after']);
  let body: { error?: unknown; code?: unknown; details?: unknown } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: a proxy or something other than Bindery answered
  }
  if (body && typeof body.error === 'string' && ERROR_CODES.includes(body.code as ErrorCode)) {
    const details = body.details as Record<string, unknown> | undefined;
    // not_found details name the id field (`task_id`), which picks the entity's recovery suggestion.
    const entity = ENTITIES.find((e) => details && typeof details === 'object' && `${e}_id` in details);
    return new TransportError('status', body.code as ErrorCode, body.error, {
      details,
      entity,
      retryAfterS,
      httpStatus: status,
    });
  }
  return new TransportError(
    'status',
    codeForHttpStatus(status),
    `The Bindery server answered HTTP ${status}.`,
    {
      retryAfterS,
      httpStatus: status,
    },
  );
}

function tooLarge(limit: number): TransportError {
  return new TransportError(
    'limit',
    'payload_too_large',
    `The server's answer is larger than the client's ${limit}-byte limit.`,
    { details: { limit_bytes: limit } },
  );
}

/** A failure without a complete answer. Codes carry their usual status so the retry rules read one number. */
function networkError(error: unknown, timedOut: boolean, timeoutMs: number): TransportError {
  const code = (error as { code?: string }).code;
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new TransportError(
      'network',
      'timeout_error',
      `The Bindery server did not answer within ${timeoutMs / 1000} s.`,
      {
        cause: error,
        httpStatus: 504,
      },
    );
  }
  const reason = code ?? (error as Error).message;
  return new TransportError('network', 'connection_error', `Cannot reach the Bindery server (${reason}).`, {
    cause: error,
    httpStatus: 502,
  });
}

/** One HTTP exchange on a keep-alive pool, with a deadline and a bound on the answer's size. */
export class Transport {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: ResolvedOptions) {
    const { url, connections, timeoutMs } = options;
    this.pool = new Pool(url.origin, {
      connections,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: Math.min(timeoutMs, 10_000) },
    });
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.headers = { accept: 'application/json', 'user-agent': `bindery-client/${BINDERY_VERSION}` };
    if (options.token) this.headers.authorization = `Bearer ${options.token}`;
    if (options.actor) this.headers['x-bindery-actor'] = options.actor;
  }

  /** Later requests declare this actor (an MCP process learns its client's name after it started). */
  setActor(actor: string): void {
    this.headers['x-bindery-actor'] = actor;
  }

  /** The answer of a 2xx (or an `accept`ed status); any other status, or no answer, throws a TransportError. */
  async send(request: HttpRequest, accept: (status: number) => boolean = () => false): Promise<HttpAnswer> {
    const headers = { ...this.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
    if (request.ifNoneMatch) headers['if-none-match'] = request.ifNoneMatch;
    injectTraceContext(headers);
    const { status, headers: answerHeaders, text, bytes } = await this.exchange(request, headers);
    const notModified = status === 304 && request.ifNoneMatch !== undefined;
    if ((status < 200 || status > 299) && !notModified && !accept(status))
      throw statusError(status, answerHeaders, text);
    return { status, text, bytes };
  }

  /**
   * One request and its whole answer, through undici's dispatch API: the answer is collected as it arrives,
   * without the Readable stream, AsyncResource and abort-signal listener that `request()` sets up per call
   * (measured: ~25 µs of CPU and ~40 µs of latency per call less, BENCHMARKS.md "MCP uncached read").
   * The deadline covers the whole exchange like an abort signal would: a request still waiting for a
   * connection is aborted as it gets one, a started one at once. An answer over the size bound is aborted
   * at its declared length or at the first chunk past the bound, never buffered whole.
   */
  private exchange(request: HttpRequest, headers: Record<string, string>): Promise<Answer> {
    const { timeoutMs, maxResponseBytes: limit } = this.options;
    return new Promise((resolve, reject) => {
      let controller: Dispatcher.DispatchController | undefined;
      let timedOut = false;
      let answer: Omit<Answer, 'text' | 'bytes'> | undefined;
      let chunks: Buffer[] = [];
      let bytes = 0;
      // Made only when needed: an Error captures a stack trace, a cost no answer in time should pay.
      const deadline = () => new Error(`no answer within ${timeoutMs} ms`);
      const timer = setTimeout(() => {
        timedOut = true;
        controller?.abort(deadline());
      }, timeoutMs);
      this.pool.dispatch(
        { method: request.method, path: this.basePath + request.path, headers, body: request.body },
        {
          onRequestStart: (started) => {
            // Called again if undici resends the request on a new connection: start the answer over.
            controller = started;
            answer = undefined;
            chunks = [];
            bytes = 0;
            if (timedOut) started.abort(deadline());
          },
          onResponseStart: (started, status, answerHeaders) => {
            if (status < 200) return; // 1xx: the answer follows
            answer = { status, headers: answerHeaders };
            if (Number(answerHeaders['content-length']) > limit) started.abort(tooLarge(limit));
          },
          onResponseData: (started, chunk) => {
            if (started.aborted) return;
            bytes += chunk.length;
            if (bytes > limit) started.abort(tooLarge(limit));
            else chunks.push(chunk);
          },
          onResponseEnd: () => {
            clearTimeout(timer);
            resolve({ ...answer!, text: Buffer.concat(chunks).toString('utf8'), bytes });
          },
          onResponseError: (_started, error) => {
            clearTimeout(timer);
            reject(error instanceof TransportError ? error : networkError(error, timedOut, timeoutMs));
          },
        },
      );
    });
  }

  stats(): PoolStats {
    const { connected, free, pending, queued, running, size } = this.pool.stats;
    return { connected, free, pending, queued, running, size };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
