import type { FastifyInstance, onSendHookHandler } from 'fastify';

export const CHALLENGE_HEADER = 'x-bindery-challenge';
export const PROOF_HEADER = 'x-bindery-proof';
const CHALLENGE = /^[0-9a-f]{32,128}$/;

/**
 * What /health tells whom (docs/security.md): a caller without the token on a non-loopback bind learns
 * whether the server is up (`{status}`), not its workspace path or pid. A discovery challenge
 * (`X-Bindery-Challenge`) is answered with `prove(challenge, port)` in `X-Bindery-Proof`, so a
 * `bindery mcp` can tell this workspace's own server from anything else holding the port.
 */
export function registerHealthGuard(
  app: FastifyInstance,
  prove: ((challenge: string, port: number) => string) | undefined,
): void {
  const guard: onSendHookHandler = async (request, reply, payload) => {
    const challenge = request.headers[CHALLENGE_HEADER];
    if (prove && typeof challenge === 'string' && CHALLENGE.test(challenge)) {
      reply.header(PROOF_HEADER, prove(challenge, request.socket.localPort ?? 0));
    }
    if (request.trusted || typeof payload !== 'string') return payload;
    try {
      return JSON.stringify({ status: (JSON.parse(payload) as { status?: unknown }).status });
    } catch {
      return payload;
    }
  };
  // On the /health route only: every other answer skips the hook.
  app.addHook('onRoute', (route) => {
    if (route.url === '/health') route.onSend = [route.onSend ?? [], guard].flat();
  });
}
