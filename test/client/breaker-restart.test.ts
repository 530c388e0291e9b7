import { describe, expect, it } from 'vitest';
import { BinderyClient } from '../../src/client/index.js';
import { startTestServer } from '../helpers/server.js';

describe('circuit breaker across a real server restart', () => {
  it('closes as soon as the restarted server answers /health: a 1.5 s restart costs at most 5 s of failed calls', async () => {
    const first = await startTestServer();
    const port = new URL(first.url).port;
    const client = new BinderyClient({
      url: first.url,
      timeoutMs: 1_000,
      breaker: { resetMs: 60_000 },
      retry: { maxRetries: 0 },
      cache: { ttlMs: 0 },
    });
    const failures: { at: number; code: string }[] = [];
    let recoveredAt = 0;
    let restartedAt = 0;
    const calls = (async () => {
      while (!recoveredAt) {
        try {
          await client.list_roles({});
          if (failures.length) recoveredAt = Date.now();
        } catch (error) {
          failures.push({ at: Date.now(), code: (error as { code: string }).code });
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await first.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = await startTestServer({ workspace: first.workspace, env: { BINDERY_PORT: port } });
    restartedAt = Date.now();
    await calls;
    try {
      const failedForMs = failures.at(-1)!.at - failures[0]!.at;
      console.info(
        `breaker: ${failures.length} failed calls over ${failedForMs} ms; answered ${recoveredAt - restartedAt} ms ` +
          'after the server was back',
      );
      expect(failures.some((f) => f.code === 'circuit_open')).toBe(true);
      expect(failedForMs).toBeLessThanOrEqual(5_000);
      expect(client.stats().breaker.state).toBe('closed');
    } finally {
      await client.close();
      await second.stop();
      await second.remove();
    }
  });
});
