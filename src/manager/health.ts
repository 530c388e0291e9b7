import { request } from 'node:http';
import { createServer } from 'node:net';
import { z } from 'zod';
import { ServerHealth } from '../contract/index.js';
import { CHALLENGE_HEADER, PROOF_HEADER } from '../server/health-guard.js';

/** What answers at a URL: this product's /health body, some other program, or nothing. */
export type Probe =
  | { kind: 'bindery'; healthy: boolean; body: HealthBody; proof?: string }
  | { kind: 'other'; detail: string }
  | { kind: 'down' };

/**
 * The fields of the health answer (ServerHealth in the contract) that tell a Bindery server and which one
 * it is. Loose on purpose: a server of another release may answer more (or fewer) fields and must still be
 * recognised, if only to say that it holds the port.
 */
const HealthBody = z.looseObject({
  ...ServerHealth.pick({ status: true, service: true, version: true, workspace: true, pid: true }).shape,
  uptime_s: ServerHealth.shape.uptime_s.optional(),
});
export type HealthBody = z.infer<typeof HealthBody>;

/**
 * GET /health with a deadline; a timeout means something holds the port but does not speak to us. With a
 * `challenge`, the server's answer to it (see identity.ts) comes back as `proof`. No credential is sent.
 */
export function probeHealth(baseUrl: string, timeoutMs = 2_000, challenge?: string): Promise<Probe> {
  return new Promise((resolve) => {
    const headers = challenge ? { [CHALLENGE_HEADER]: challenge } : {};
    const options = { method: 'GET', agent: false, timeout: timeoutMs, headers };
    const req = request(`${baseUrl}/health`, options, (res) => {
      const chunks: Buffer[] = [];
      const proof = res.headers[PROOF_HEADER];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => resolve({ kind: 'other', detail: 'broken response' }));
      res.on('end', () => {
        const probe = classify(res.statusCode ?? 0, Buffer.concat(chunks).toString());
        resolve(probe.kind === 'bindery' && typeof proof === 'string' ? { ...probe, proof } : probe);
      });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ kind: 'other', detail: `no answer within ${timeoutMs} ms` });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ECONNREFUSED' ? { kind: 'down' } : { kind: 'other', detail: error.message });
    });
    req.end();
  });
}

function classify(status: number, text: string): Probe {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'other', detail: `HTTP ${status}, not JSON` };
  }
  const health = HealthBody.safeParse(body);
  if (!health.success) return { kind: 'other', detail: `HTTP ${status}, not a Bindery health answer` };
  return { kind: 'bindery', healthy: status === 200, body: health.data };
}

/** True when nothing listens on host:port (checked by binding it for a moment). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function baseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
