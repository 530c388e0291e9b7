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
function statusError(
  status: number,
  headers: Dispatcher.ResponseData['headers'],
  text: string,
): TransportError {
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
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.options.timeoutMs);
    try {
      const response = await this.pool.request({
        method: request.method,
        path: this.basePath + request.path,
        headers,
        body: request.body,
        signal: deadline.signal,
      });
      const { text, bytes } = await this.read(response);
      const status = response.statusCode;
      const notModified = status === 304 && request.ifNoneMatch !== undefined;
      if ((status < 200 || status > 299) && !notModified && !accept(status))
        throw statusError(status, response.headers, text);
      return { status, text, bytes };
    } catch (error) {
      if (error instanceof TransportError) throw error;
      throw networkError(error, deadline.signal.aborted, this.options.timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  private async read(response: Dispatcher.ResponseData): Promise<{ text: string; bytes: number }> {
    const limit = this.options.maxResponseBytes;
    const tooLarge = () =>
      new TransportError(
        'limit',
        'payload_too_large',
        `The server's answer is larger than the client's ${limit}-byte limit.`,
        {
          details: { limit_bytes: limit },
        },
      );
    const declared = Number(response.headers['content-length']);
    if (declared > limit) {
      response.body.destroy();
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    // Leaving the loop by throwing destroys the stream, so an oversized answer is never buffered whole.
    for await (const chunk of response.body) {
      bytes += (chunk as Buffer).length;
      if (bytes > limit) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
    return { text: Buffer.concat(chunks).toString('utf8'), bytes };
  }

  stats(): PoolStats {
    const { connected, free, pending, queued, running, size } = this.pool.stats;
    return { connected, free, pending, queued, running, size };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
