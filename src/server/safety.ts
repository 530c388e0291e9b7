import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  BinderyError,
  configuredHostname,
  isLoopbackHost,
  isLoopbackHostname,
  parsedHostname,
} from '../contract/index.js';

export interface HttpSafetyOptions {
  /** The address the server is bound to. */
  host: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  /** When set, every route but /health needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Paths served without the token besides /health (`/metrics` with BINDERY_METRICS_PUBLIC). */
  publicPaths?: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * May this request see more than a health status: it carried the token, or the server is bound to
     * loopback only (where every local process is trusted as far as the token rule goes).
     */
    trusted: boolean;
  }
}

/** Fixed-length digests let the token comparison run in constant time whatever the header's length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The token of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110 §11.1). */
function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** How many Host header lines the client sent: Node keeps only the first, so it is counted raw. */
function hostLines(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'host') count++;
  return count;
}

/**
 * The Host header's hostname, read by the URL parser (so `[::1]:3000` → `[::1]`, `127.1` → `127.0.0.1`);
 * a Host with userinfo, a path or a second Host line is malformed (RFC 9112 §3.2 says 400).
 */
function requestHostname(request: FastifyRequest): string {
  const header = request.headers.host;
  const malformed = (reason: string) => BinderyError.validation([{ field: 'Host', reason }]);
  if (!header) throw malformed('is missing');
  if (hostLines(request) > 1) throw malformed('is sent more than once');
  if (/[@/\\?#\s]/.test(header)) throw malformed('must be a host and an optional port only');
  const hostname = parsedHostname(header);
  if (hostname === undefined) throw malformed('is not a valid host');
  return hostname;
}

/**
 * Whether `origin` is the server's own: the scheme, host and port the request was sent to (its Host passed
 * the Host check already). The board's page sends this Origin on its module scripts, fetches and event
 * stream; a page of any other origin stays refused. Both sides go through the URL parser, so default ports
 * and letter case compare equal.
 */
function isOwnOrigin(request: FastifyRequest, origin: string): boolean {
  try {
    return new URL(origin).origin === new URL(`${request.protocol}://${request.headers.host}`).origin;
  } catch {
    return false;
  }
}

/**
 * HTTP safety (docs/design.md, "HTTP safety"; docs/security.md): a web page can reach a loopback server through DNS rebinding unless the Host is checked,
 * and through fetch unless a foreign Origin is refused. No CORS headers are ever sent. The checks run
 * in onRequest, before the body is read, so a refused client never gets to send (or trickle) one.
 */
export function registerHttpSafety(app: FastifyInstance, options: HttpSafetyOptions): void {
  const named = new Set([options.host, ...options.allowedHosts].map((h) => configuredHostname(h) ?? h));
  const allowedHost = (hostname: string) => isLoopbackHostname(hostname) || named.has(hostname);
  const origins = new Set(options.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  const expected = options.token ? digest(options.token) : undefined;
  const loopbackBind = isLoopbackHost(options.host);
  const publicPaths = new Set(['/health', ...(options.publicPaths ?? [])]);

  app.decorateRequest('trusted', false);
  app.addHook('onRequest', async (request) => {
    if (!allowedHost(requestHostname(request))) {
      throw new BinderyError(
        'permission_denied',
        'Host not allowed: requests must address the server by its loopback name.',
      );
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.has(origin.toLowerCase()) && !isOwnOrigin(request, origin)) {
      throw new BinderyError(
        'permission_denied',
        `Origin ${origin} is not allowed; add it to BINDERY_ALLOWED_ORIGINS.`,
      );
    }
    const token = bearerToken(request.headers.authorization);
    const authenticated = !expected || (token !== undefined && timingSafeEqual(digest(token), expected));
    request.trusted = authenticated || loopbackBind;
    if (!authenticated && !publicPaths.has(request.routeOptions.url ?? '')) {
      throw new BinderyError('unauthorized', 'Missing or wrong bearer token.');
    }
  });
}
