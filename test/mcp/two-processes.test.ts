/**
 * Two `bindery mcp` processes on one backend, as two agents in one workspace: what one writes, the other's
 * cached read shows as soon as the change feed brings it (not after the cache TTL), and the log records
 * who wrote it by the MCP client's name (or BINDERY_ACTOR).
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ok, stdioClient } from './helpers.js';

let server: TestServer;
let agentA: Client;
let agentB: Client;

beforeAll(async () => {
  server = await startTestServer();
  // A TTL far beyond the test: only the feed can make A see B's writes.
  const env = { BINDERY_URL: server.url, BINDERY_CACHE_TTL: '3600' };
  agentA = (await stdioClient(env, 'agent-a')).client;
  agentB = (await stdioClient({ ...env, BINDERY_ACTOR: 'builder-b' }, 'agent-b')).client;
}, 60_000);

afterAll(async () => {
  await agentA?.close();
  await agentB?.close();
  await server.stop();
  await server.remove();
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('two MCP processes on one backend', () => {
  it("see each other's writes through the change feed, recorded under their names", async () => {
    const task = await ok(agentA, 'create_task', { task_input: { title: 'shared' } });
    expect(task.updated_by).toBe('agent-a');
    // A caches the task, and its feed is connected and caught up.
    await ok(agentA, 'get_task', { task_id: task.id });
    const health = await until(
      () => ok(agentA, 'health_check'),
      (h) => h.client.feed?.caught_up === true,
    );
    expect(health.client.feed).toMatchObject({ connected: true, caught_up: true });

    await ok(agentB, 'update_task', { task_id: task.id, task_update: { status: 'done' } });
    const seen = await until(
      () => ok(agentA, 'get_task', { task_id: task.id }),
      (t) => t.status === 'done',
    );
    expect(seen.status).toBe('done');
    expect(seen.updated_by).toBe('builder-b');

    const history = await ok(agentA, 'get_history', { entity: 'task', id: task.id });
    expect(history.items.map((c: { actor: string; op: string }) => [c.op, c.actor])).toEqual([
      ['updated', 'builder-b'],
      ['created', 'agent-a'],
    ]);
    const after = await ok(agentA, 'health_check');
    expect(after.client.feed.last_seq).toBeGreaterThanOrEqual(history.items[0].seq);
  });
});
