import type { FastifyReply, FastifyRequest } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BinderyClient } from '../../src/client/index.js';
import { IdempotencyGate } from '../../src/server/idempotency.js';
import type { IdempotencyRecord, Store } from '../../src/store/types.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let proxy: FaultProxy;
let client: BinderyClient;

beforeAll(async () => {
  t = await startTestServer();
  proxy = await startFaultProxy(t.url);
  client = new BinderyClient({ url: proxy.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
});
afterAll(async () => {
  await client.close();
  await proxy.close();
  await t.stop();
  await t.remove();
});
beforeEach(() => proxy.reset());

async function tasksTitled(title: string): Promise<number> {
  const page = await t.http('GET', '/api/tasks?limit=500');
  return page.body.items.filter((task: { title: string }) => task.title === title).length;
}

describe('Idempotency-Key on the server', () => {
  it('replays the first answer for a repeat with the same key and body', async () => {
    const headers = { 'idempotency-key': 'replay-1' };
    const first = await t.http('POST', '/api/tasks', { title: 'replay me' }, headers);
    const second = await t.http('POST', '/api/tasks', { title: 'replay me' }, headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body).toEqual(first.body);
    expect(await tasksTitled('replay me')).toBe(1);
  });

  it('refuses the same key with a different body as a conflict', async () => {
    const headers = { 'idempotency-key': 'conflict-1' };
    await t.http('POST', '/api/tasks', { title: 'one body' }, headers);
    const other = await t.http('POST', '/api/tasks', { title: 'another body' }, headers);
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('conflict');
    expect(await tasksTitled('another body')).toBe(0);
  });

  it('runs concurrent requests with one key once', async () => {
    const headers = { 'idempotency-key': 'race-1' };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => t.http('POST', '/api/tasks', { title: 'raced' }, headers)),
    );
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
    expect(await tasksTitled('raced')).toBe(1);
  });

  it('refuses an empty or oversized key', async () => {
    const long = await t.http('POST', '/api/tasks', { title: 'k' }, { 'idempotency-key': 'x'.repeat(201) });
    expect(long.status).toBe(400);
  });
});

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
    expect(await tasksTitled('cut after commit')).toBe(1);
    expect((await client.get_task({ task_id: task.id })).title).toBe('cut after commit');
  });

  it('retries a create that timed out while the server committed it, still one task', async () => {
    const slow = new BinderyClient({
      url: proxy.url,
      timeoutMs: 150,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
    proxy.queue({ kind: 'pass', answerDelayMs: 400 });
    try {
      const task = await slow.create_task({ title: 'slow commit' });
      expect(task.title).toBe('slow commit');
      expect(proxy.forwarded()).toBe(2);
      expect(await tasksTitled('slow commit')).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('makes writes sent as POST safe to retry as well (execute_task claims once)', async () => {
    const task = await client.create_task({ title: 'claim me' });
    proxy.reset();
    proxy.queue({ kind: 'cut' });
    const run = await client.execute_task({ task_id: task.id, role: 'implementer' });
    expect(proxy.forwarded()).toBe(2);
    expect(run.task.status).toBe('doing');
  });
});

describe('IdempotencyGate with a store that answers slowly (as PostgreSQL does)', () => {
  function slowStore() {
    const rows = new Map<string, IdempotencyRecord>();
    const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 5));
    return {
      getIdempotency: (key: string) => later(rows.get(key) ?? null),
      putIdempotency: (record: IdempotencyRecord) => {
        if (!rows.has(record.key)) rows.set(record.key, record);
        return later(rows.get(record.key)!);
      },
      purgeIdempotency: () => later(0),
    } as unknown as Store;
  }

  function fakeRequest(key: string, body: unknown) {
    return {
      headers: { 'idempotency-key': key },
      method: 'POST',
      routeOptions: { url: '/api/tasks' },
      params: {},
      body,
    } as unknown as FastifyRequest;
  }

  function fakeReply() {
    const reply = { headers: {} as Record<string, string>, statusCode: 0 } as Record<string, unknown>;
    reply.code = (status: number) => Object.assign(reply, { statusCode: status });
    reply.header = (name: string, value: string) => {
      (reply.headers as Record<string, string>)[name] = value;
      return reply;
    };
    reply.type = () => reply;
    return reply as unknown as FastifyReply & { headers: Record<string, string> };
  }

  it('executes concurrent repeats of one key once and replays the answer to the others', async () => {
    const gate = new IdempotencyGate(slowStore());
    let executions = 0;
    const execute = async () => {
      executions++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { id: 'made-once' };
    };
    const replies = Array.from({ length: 5 }, fakeReply);
    const answers = await Promise.all(
      replies.map((reply) => gate.run(fakeRequest('k1', { a: 1 }), reply, 201, execute)),
    );
    expect(executions).toBe(1);
    expect(answers[0]).toEqual({ id: 'made-once' });
    for (const answer of answers.slice(1)) expect(JSON.parse(answer as string)).toEqual({ id: 'made-once' });
    expect(replies.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(4);
  });

  it('refuses a concurrent repeat with a different body', async () => {
    const gate = new IdempotencyGate(slowStore());
    const execute = async () => ({ id: 'x' });
    const results = await Promise.allSettled([
      gate.run(fakeRequest('k2', { a: 1 }), fakeReply(), 201, execute),
      gate.run(fakeRequest('k2', { a: 2 }), fakeReply(), 201, execute),
    ]);
    expect(results[0]?.status).toBe('fulfilled');
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'conflict' } });
  });
});
