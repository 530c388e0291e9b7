import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { BinderyError } from '../contract/index.js';
import { errorBody } from './errors.js';

/**
 * The built board (`npm run build` puts Vite's output there). Both src/server and dist/server sit two levels
 * below the package root, so the same relative path finds it from the sources (tests) and the build.
 */
export const BOARD_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/**
 * The page and its assets carry no data, so they load without the token: the page then asks for the token
 * itself and sends it as a header on every API call. Host and Origin checks still apply to them.
 */
export const BOARD_PUBLIC_PATHS = ['/', '/index.html', '/assets/*'];

/**
 * Scripts, styles and fetches from the server's own origin only; nothing inline (Vite emits none), no
 * framing, no plugins. DOMPurify's output may not carry scripts either way; this is the second wall.
 */
export const BOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function pageHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', BOARD_CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
}

/**
 * The web board at `/` (docs/board.md): index.html is never cached (it names the current assets); the
 * assets under /assets/ have content hashes in their names, so they are cached for a year.
 */
export async function registerBoard(app: FastifyInstance, root = BOARD_DIR): Promise<void> {
  if (!existsSync(`${root}index.html`)) {
    app.get('/', async (_request, reply) => {
      const error = new BinderyError('not_found', 'The board is not built: run `npm run build`.');
      return reply.code(404).send(errorBody(error));
    });
    return;
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: false,
    serve: false,
  });
  app.get('/assets/*', async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    pageHeaders(reply);
    return reply.sendFile(`assets/${name}`, { maxAge: '365d', immutable: true });
  });
  const page = async (_request: unknown, reply: FastifyReply) => {
    pageHeaders(reply);
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  };
  app.get('/', page);
  app.get('/index.html', page);
}
