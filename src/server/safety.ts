import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { BinderyError } from '../contract/index.js';

export interface HttpSafetyOptions {
  /** The address the server is bound to. */
  host: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  /** When set, every route but /health needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]', '::1'];

/** Fixed-length digests let the token comparison run in constant time whatever the header's length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Strip the port from a Host header value (`[::1]:3000` → `[::1]`). */
function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  const colon = value.lastIndexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

/**
 * HTTP safety (docs/design.md, "HTTP safety"): a web page can reach a loopback server through DNS rebinding
 * unless the Host is checked, and through fetch unless a foreign Origin is refused. No CORS headers are ever
 * sent.
 */
export function registerHttpSafety(app: FastifyInstance, options: HttpSafetyOptions): void {
  const hosts = new Set([
    ...LOOPBACK_NAMES,
    options.host.toLowerCase(),
    ...options.allowedHosts.map((h) => h.toLowerCase()),
  ]);
  const origins = new Set(options.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  const bearer = options.token ? digest(`Bearer ${options.token}`) : undefined;

  app.addHook('onRequest', async (request) => {
    const host = request.headers.host;
    if (!host || !hosts.has(hostName(host))) {
      throw new BinderyError(
        'permission_denied',
        'Host not allowed: requests must address the server by its loopback name.',
      );
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.has(origin.toLowerCase())) {
      throw new BinderyError(
        'permission_denied',
        `Origin ${origin} is not allowed; add it to BINDERY_ALLOWED_ORIGINS.`,
      );
    }
    const authorization = request.headers.authorization;
    if (
      bearer &&
      request.url !== '/health' &&
      !(authorization && timingSafeEqual(digest(authorization), bearer))
    ) {
      throw new BinderyError('unauthorized', 'Missing or wrong bearer token.');
    }
  });
}
