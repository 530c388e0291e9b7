import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BinderyClient } from '../../src/client/index.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { countTasksTitled, useTestServer } from '../helpers/server.js';

const t = useTestServer();
let proxy: FaultProxy;
let client: BinderyClient;

beforeAll(async () => {
  proxy = await startFaultProxy(t.url);
  client = new BinderyClient({ url: proxy.url, feed: false, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
});
afterAll(async () => {
  await client.close();
  await proxy.close();
});
beforeEach(() => proxy.reset());

describe('BinderyClient creates', () => {
  it('sends a fresh key per create and the same key on its retries', async () => {
    proxy.queue({ kind: 'status', status: 503 }, { kind: 'drop' });
    await client.create_task({ title: 'keyed' });
    await client.create_task({ title: 'keyed again' });
    const keys = proxy.seen.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(4);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).toBe(keys[0]);
    expect(keys[3]).not.toBe(keys[0]);
  });

  it('retries a create whose answer was cut after the commit and yields exactly one task', async () => {
    proxy.queue({ kind: 'cut' });
    const task = await client.create_task({ title: 'cut after commit' });
    expect(proxy.forwarded()).toBe(2);
    expect(proxy.seen[0]?.headers['idempotency-key']).toBe(proxy.seen[1]?.headers['idempotency-key']);
    expect(await countTasksTitled(t.http, 'cut after commit')).toBe(1);
    expect((await client.get_task({ task_id: task.id })).title).toBe('cut after commit');
  });

  it('retries a create that timed out while the server committed it, still one task', async () => {
    const slow = new BinderyClient({
      url: proxy.url,
      feed: false,
      timeoutMs: 150,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
    proxy.queue({ kind: 'pass', answerDelayMs: 400 });
    try {
      const task = await slow.create_task({ title: 'slow commit' });
      expect(task.title).toBe('slow commit');
      expect(proxy.forwarded()).toBe(2);
      expect(await countTasksTitled(t.http, 'slow commit')).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('makes writes sent as POST safe to retry as well (execute_task claims once)', async () => {
    const task = await client.create_task({ title: 'claim me' });
    proxy.reset();
    proxy.queue({ kind: 'cut' });
    const run = await client.execute_task({ task_id: task.id, role_name: 'implementer' });
    expect(proxy.forwarded()).toBe(2);
    expect(run.brief.task.status).toBe('doing');
  });
});
