import { createServer } from 'node:net';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseScrape, sample } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, stdioClient } from './helpers.js';

/** A port free right now on 127.0.0.1 (the OS picks it, then it is released for the child to take). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

let backend: TestServer;
let client: Client;
let port: number;

beforeAll(async () => {
  backend = await startTestServer();
  port = await freePort();
  ({ client } = await stdioClient({ BINDERY_URL: backend.url, BINDERY_MCP_METRICS_PORT: String(port) }));
});

afterAll(async () => {
  await client.close();
  await backend.stop();
  await backend.remove();
});

describe('bindery mcp with BINDERY_MCP_METRICS_PORT', () => {
  it('serves its client metrics on /metrics: breaker state, calls, cache hits and misses', async () => {
    const created = await call(client, 'create_task', { task_input: { title: 'scraped' } });
    // The first read starts the client's change feed; once it is live (and has delivered the create, whose
    // echo would otherwise drop the cached entry), the next read of the same task is answered from cache.
    await call(client, 'get_task', { task_id: created.data.id });
    await vi.waitFor(
      async () => {
        const health = await call(client, 'health_check', {});
        expect(health.data.client.feed).toMatchObject({ connected: true, caught_up: true });
      },
      { timeout: 10_000, interval: 50 },
    );
    for (let i = 0; i < 2; i++) await call(client, 'get_task', { task_id: created.data.id });
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    const scrape = parseScrape(await res.text());
    expect(sample(scrape, 'bindery_client_breaker_state', { state: 'closed' })).toBe(1);
    expect(sample(scrape, 'bindery_client_breaker_state', { state: 'open' })).toBe(0);
    expect(scrape.types.get('bindery_client_calls_total')).toBe('COUNTER');
    expect(sample(scrape, 'bindery_client_calls_total')).toBeGreaterThanOrEqual(3);
    expect(sample(scrape, 'bindery_client_cache_hits_total')).toBeGreaterThanOrEqual(1);
    expect(sample(scrape, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // health_check keeps reporting the same client figures as before.
    const health = await call(client, 'health_check', {});
    expect(health.data.client.circuit_breaker.state).toBe('closed');
  });

  it('answers only /metrics', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });
});
