import { afterAll, beforeAll, expect, it } from 'vitest';
import { BinderyClient } from '../../src/client/index.js';
import { countTasksTitled, startTestServer, type TestServer } from '../helpers/server.js';

/** The client against a rate-limited server: it waits for Retry-After and retries, and the breaker stays shut. */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    env: { BINDERY_WRITE_RATE_LIMIT: '2' },
    configure: (config) => {
      config.rateLimits.windowMs = 1500;
    },
  });
});

afterAll(async () => {
  await server.stop();
  await server.remove();
});

it('waits for Retry-After on 429 and retries, without counting it against the breaker', async () => {
  const client = new BinderyClient({ url: server.url, breaker: { threshold: 2 } });
  try {
    const started = Date.now();
    for (let i = 0; i < 5; i++) await client.create_task({ title: 'limited write' });
    const stats = client.stats();
    expect(stats.retries).toBeGreaterThanOrEqual(2);
    // Two windows had to pass, and the client waited for them instead of failing.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(stats.breaker.state).toBe('closed');
    expect(stats.breaker.consecutive_failures).toBe(0);
    expect(stats.failures.rate_limit_exceeded ?? 0).toBe(0);
    // Each create ran once: the retried attempts carried the same Idempotency-Key.
    expect(await countTasksTitled(server.http, 'limited write')).toBe(5);
  } finally {
    await client.close();
  }
});
