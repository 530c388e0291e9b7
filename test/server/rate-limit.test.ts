import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerConfig } from '../../src/cli/config.js';
import { spawnServe } from '../helpers/process.js';
import { parseScrape, sample } from '../helpers/prometheus.js';
import { httpHelper, startTestServer, type TestServer } from '../helpers/server.js';
import { tempWorkspace } from '../helpers/workspace.js';

/** Rate limits on real servers; the shared budget through the machine's Redis on 127.0.0.1:6379. */
const REDIS_URL = 'redis://127.0.0.1:6379';
/** A key prefix of this run alone, so parallel runs and old keys never share a budget. */
const PREFIX = `bindery-test:${randomUUID()}:`;
const started: TestServer[] = [];

async function serve(
  env: Record<string, string>,
  configure?: (config: ServerConfig) => void,
): Promise<TestServer> {
  const server = await startTestServer({ env, ...(configure ? { configure } : {}) });
  started.push(server);
  return server;
}

afterAll(async () => {
  for (const server of started) {
    await server.stop();
    await server.remove();
  }
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const as = (actor: string) => ({ 'x-bindery-actor': actor });

describe('BINDERY_RATE_LIMIT', () => {
  it('refuses the request past the limit with 429 rate_limit_exceeded, Retry-After and RateLimit-* headers', async () => {
    const server = await serve({ BINDERY_RATE_LIMIT: '3' });
    for (let i = 0; i < 3; i++) {
      const res = await server.http('GET', '/api/roles', undefined, as('agent-a'));
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-remaining')).toBe(String(2 - i));
    }
    const refused = await server.http('GET', '/api/roles', undefined, as('agent-a'));
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('rate_limit_exceeded');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-limit')).toBe('3');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('ratelimit-reset'))).toBe(retryAfter);
    // Another caller has its own budget; monitoring is never limited.
    expect((await server.http('GET', '/api/roles', undefined, as('agent-b'))).status).toBe(200);
    expect((await server.http('GET', '/health', undefined, as('agent-a'))).status).toBe(200);
    const scrape = parseScrape((await server.http('GET', '/metrics', undefined, as('agent-a'))).body);
    expect(sample(scrape, 'bindery_rate_limited_total', { limit: 'all' })).toBe(1);
  });

  it('counts a token as one caller whatever actor it declares', async () => {
    const server = await serve({ BINDERY_RATE_LIMIT: '2', BINDERY_TOKEN: 'rate-token' });
    const auth = (actor: string) => ({ authorization: 'Bearer rate-token', ...as(actor) });
    expect((await server.http('GET', '/api/roles', undefined, auth('one'))).status).toBe(200);
    expect((await server.http('GET', '/api/roles', undefined, auth('two'))).status).toBe(200);
    expect((await server.http('GET', '/api/roles', undefined, auth('three'))).status).toBe(429);
  });
});

describe('BINDERY_WRITE_RATE_LIMIT', () => {
  it('limits mutations over REST and JSON-RPC, not reads', async () => {
    const server = await serve({ BINDERY_WRITE_RATE_LIMIT: '2' });
    const actor = as('writer');
    expect((await server.http('POST', '/api/tasks', { title: 'w1' }, actor)).status).toBe(201);
    const rpc = { jsonrpc: '2.0', id: 1, method: 'create_task', params: { title: 'w2' } };
    expect((await server.http('POST', '/rpc', rpc, actor)).body.result.title).toBe('w2');
    const third = await server.http('POST', '/api/tasks', { title: 'w3' }, actor);
    expect(third.status).toBe(429);
    expect(third.body.code).toBe('rate_limit_exceeded');
    const rpcRefused = await server.http('POST', '/rpc', { ...rpc, params: { title: 'w4' } }, actor);
    expect(rpcRefused.status).toBe(429);
    // Reads, and a search (a POST that changes nothing), go on.
    expect((await server.http('GET', '/api/tasks', undefined, actor)).status).toBe(200);
    expect((await server.http('POST', '/api/search', { query: 'w1' }, actor)).status).toBe(200);
    const list = await server.http('GET', '/api/tasks?limit=50', undefined, actor);
    expect(list.body.items.map((t: { title: string }) => t.title).sort()).toEqual(['w1', 'w2']);
  });
});

describe('shared through Redis', () => {
  it('gives two servers one budget per caller', async () => {
    const env = { BINDERY_RATE_LIMIT: '4', BINDERY_REDIS_URL: REDIS_URL, BINDERY_REDIS_PREFIX: PREFIX };
    const [a, b] = [await serve(env), await serve(env)];
    const statuses: number[] = [];
    for (const server of [a, b, a, b, a, b])
      statuses.push((await server.http('GET', '/api/roles', undefined, as('shared-agent'))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect((await a.http('GET', '/health')).body.status).toBe('healthy');
  });

  it('keeps serving with per-process limits, a warning and a degraded /health when Redis is down', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const ws = tempWorkspace();
    const proc = await spawnServe(ws.dir, {
      BINDERY_RATE_LIMIT: '3',
      BINDERY_REDIS_URL: `redis://127.0.0.1:${closedPort}`,
    });
    try {
      const http = httpHelper(proc.url);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await http('GET', '/api/roles', undefined, as('x'))).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const health = await http('GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('degraded');
      expect(health.body.degraded[0]).toMatch(/redis/);
      expect(proc.stderr()).toMatch(/redis unreachable; rate limits count per process/);
    } finally {
      proc.proc.kill('SIGTERM');
      await proc.exited;
      ws.remove();
    }
  });
});

describe('many callers', () => {
  it('remembers a bounded number of callers per limit (10,000 by default), however many call', async () => {
    const bound = 200;
    const server = await serve({ BINDERY_RATE_LIMIT: '1000' }, (config) => {
      config.rateLimits.maxCallers = bound;
    });
    const pool = new Pool(server.url, { connections: 8 });
    try {
      const callers = bound * 2;
      let next = 0;
      const worker = async () => {
        while (next < callers) {
          const id = next++;
          const res = await pool.request({
            method: 'GET',
            path: '/api/version',
            headers: as(`caller-${id}`),
          });
          await res.body.dump();
          expect(res.statusCode).toBe(200);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      const scrape = parseScrape((await server.http('GET', '/metrics')).body);
      expect(sample(scrape, 'bindery_rate_limit_tracked_callers')).toBe(bound);
    } finally {
      await pool.close();
    }
  });
});
