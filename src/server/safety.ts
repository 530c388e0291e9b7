import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  BinderyError,
  configuredHostname,
  isLoopbackHost,
  isLoopbackHostname,
  parsedHostname,
  scopeRefusal,
} from '../contract/index.js';
import type { Access } from '../store/actor.js';
import type { TokenRegistry } from './tokens.js';

export interface HttpSafetyOptions {
  /** The address the server is bound to. */
  host: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  /** BINDERY_TOKEN, the root credential: when set, every route but /health needs a credential. */
  token?: string | undefined;
  /** Named tokens (docs/access.md): once one exists, every route but /health needs a credential. */
  tokens?: TokenRegistry | undefined;
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
    /** The named token the request carried; undefined for the root token or no credential. */
    access: Access | undefined;
  }
}

/** Routes that are not operations and need more than `read` from a named token. */
const ROUTE_SCOPES: Readonly<Record<string, 'admin'>> = { '/metrics': 'admin' };

/** Distinct Host headers remembered as passed (the names and ports a server is reached by: a few). */
const MAX_PASSED_HOSTS = 64;

/** The same answer for a wrong, malformed and revoked secret, so token names cannot be probed. */
const invalidToken = () => new BinderyError('unauthorized', 'Invalid token.');

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
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') count++;
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

  // Host headers that passed: a client sends the same one on every request, so the URL parser runs once.
  const passedHosts = new Set<string>();

  app.decorateRequest('trusted', false);
  app.decorateRequest('access', undefined);
  app.addHook('onRequest', async (request) => {
    const host = request.headers.host;
    if (host === undefined || !passedHosts.has(host) || hostLines(request) > 1) {
      if (!allowedHost(requestHostname(request))) {
        throw new BinderyError(
          'permission_denied',
          'Host not allowed: requests must address the server by its loopback name.',
        );
      }
      if (passedHosts.size < MAX_PASSED_HOSTS) passedHosts.add(host!);
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.has(origin.toLowerCase()) && !isOwnOrigin(request, origin)) {
      throw new BinderyError(
        'permission_denied',
        `Origin ${origin} is not allowed; add it to BINDERY_ALLOWED_ORIGINS.`,
      );
    }
    const url = request.routeOptions.url ?? '';
    const open = publicPaths.has(url);
    const refuse = (error: BinderyError) => {
      if (!open) throw error;
    };
    const header = request.headers.authorization;
    const token = bearerToken(header);
    if (token === undefined) {
      // No credential: fine on a loopback bind until a credential exists (the zero-set-up default).
      const required = expected !== undefined || !loopbackBind || (await options.tokens?.any()) === true;
      request.trusted = loopbackBind;
      if (required)
        refuse(
          new BinderyError(
            'unauthorized',
            header === undefined ? 'A bearer token is required.' : 'Invalid token.',
          ),
        );
      return;
    }
    if (expected && timingSafeEqual(digest(token), expected)) {
      request.trusted = true;
      return;
    }
    const found = options.tokens ? await options.tokens.lookup(token) : null;
    if (found === null) return refuse(invalidToken());
    if ('expired' in found) {
      return refuse(new BinderyError('unauthorized', `Token expired at ${found.expired.expires_at}.`));
    }
    const { name, scope, project_ids } = found.token;
    request.trusted = true;
    request.access = { token: name, scope, project_ids };
    const needed = ROUTE_SCOPES[url];
    if (needed && scope !== needed) throw scopeRefusal(needed);
  });
}
