/**
 * The client's cache kept coherent with other processes' writes: by the change feed while it is live, and
 * by revalidating (If-None-Match → 304) any cached entity older than 1 s while it is not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinderyClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
const clients: BinderyClient[] = [];
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await t.stop();
  await t.remove();
});

function client(feed: boolean): BinderyClient {
  const made = new BinderyClient({ url: t.url, feed, cache: { ttlMs: 3_600_000 } });
  clients.push(made);
  return made;
}

describe('cache coherence across processes', () => {
  it('drops exactly the changed entity when the feed brings another writer’s change', async () => {
    const reader = client(true);
    const writer = client(false);
    const changed = await writer.create_task({ title: 'will change' });
    const untouched = await writer.create_task({ title: 'stays' });
    await reader.feedLive();
    await reader.get_task({ task_id: changed.id });
    await reader.get_task({ task_id: untouched.id });
    await writer.update_task({ task_id: changed.id, title: 'changed' });
    const deadline = Date.now() + 10_000;
    let seen = await reader.get_task({ task_id: changed.id });
    while (seen.title !== 'changed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      seen = await reader.get_task({ task_id: changed.id });
    }
    expect(seen.title).toBe('changed');
    const hitsBefore = reader.stats().cache.hits;
    await reader.get_task({ task_id: untouched.id });
    expect(reader.stats().cache.hits).toBe(hitsBefore + 1);
    expect(reader.stats().cache.revalidations).toBe(0);
    expect(reader.stats().feed).toMatchObject({ connected: true, caught_up: true });
  });

  it('keeps its own fresh read when the feed brings back its own write', async () => {
    const own = client(true);
    const task = await own.create_task({ title: 'mine' });
    await own.feedLive();
    const seqBefore = own.stats().feed!.last_seq!;
    await own.update_task({ task_id: task.id, title: 'mine, edited' });
    await own.get_task({ task_id: task.id });
    const deadline = Date.now() + 10_000;
    while (own.stats().feed!.last_seq === seqBefore && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(own.stats().feed!.last_seq).toBeGreaterThan(seqBefore);
    const { hits, misses } = own.stats().cache;
    expect((await own.get_task({ task_id: task.id })).title).toBe('mine, edited');
    expect(own.stats().cache).toMatchObject({ hits: hits + 1, misses });
  });

  it('without a live feed, revalidates an entity cached over 1 s ago: 304 keeps it, a change replaces it', async () => {
    const reader = client(false);
    const writer = client(false);
    const task = await writer.create_task({ title: 'v1' });
    await reader.get_task({ task_id: task.id });
    // Within 1 s the entry is answered as it is.
    await reader.get_task({ task_id: task.id });
    expect(reader.stats().cache.hits).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await reader.get_task({ task_id: task.id })).title).toBe('v1');
    expect(reader.stats().cache).toMatchObject({ revalidations: 1, not_modified: 1 });
    await writer.update_task({ task_id: task.id, title: 'v2' });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await reader.get_task({ task_id: task.id })).title).toBe('v2');
    expect(reader.stats().cache).toMatchObject({ revalidations: 2, not_modified: 1 });
    expect(reader.stats().feed).toBeNull();
  });
});
