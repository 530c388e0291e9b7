import { describe, expect, it } from 'vitest';
import type { BinderyClient, ClientOptions } from '../../src/client/index.js';
import { proxiedClient, proxy, useProxiedServer } from './fixture.js';

const MISSING = '00000000-0000-4000-8000-000000000000';

useProxiedServer();

/** A client through the proxy with test-sized backoff and breaker reset, and no cache in the way. */
function makeClient(options: Partial<ClientOptions> = {}): BinderyClient {
  return proxiedClient({ timeoutMs: 2_000, breaker: { resetMs: 150 }, cache: { ttlMs: 0 }, ...options });
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as {
      code: string;
      message: string;
      details: unknown;
      httpStatus: number;
      retryAfterS?: number;
    };
  }
  throw new Error('expected the call to fail');
}

describe('retry', () => {
  it('retries a read after 503 and dropped connections, then succeeds', async () => {
    const client = makeClient();
    const task = await client.create_task({ title: 'sturdy' });
    proxy.reset();
    proxy.queue({ kind: 'status', status: 503 }, { kind: 'drop' }, { kind: 'status', status: 502 });
    expect((await client.get_task({ task_id: task.id })).title).toBe('sturdy');
    expect(proxy.seen).toHaveLength(4);
    expect(proxy.forwarded()).toBe(1);
    expect(client.stats().retries).toBe(3);
  });

  it('gives up after 3 retries with the last error', async () => {
    const client = makeClient();
    proxy.rule(() => ({
      kind: 'status',
      status: 504,
      body: { error: 'gateway timeout', code: 'timeout_error' },
    }));
    const error = await failure(client.list_tasks({}));
    expect(error.code).toBe('timeout_error');
    expect(error.message).toBe('gateway timeout');
    expect(proxy.seen).toHaveLength(4);
    expect(client.stats().failures).toEqual({ timeout_error: 1 });
  });

  it('retries 408 and a timed-out attempt', async () => {
    const client = makeClient({ timeoutMs: 100 });
    const task = await client.create_task({ title: 'patient' });
    proxy.reset();
    proxy.queue({ kind: 'status', status: 408 }, { kind: 'pass', delayMs: 300 });
    expect((await client.get_task({ task_id: task.id })).id).toBe(task.id);
    expect(proxy.seen).toHaveLength(3);
  });

  it('maps a timeout to timeout_error and a refused connection to connection_error', async () => {
    const slow = makeClient({ timeoutMs: 50, retry: { maxRetries: 0 } });
    proxy.rule(() => ({ kind: 'pass', delayMs: 200 }));
    const timedOut = await failure(slow.version_info({}));
    expect(timedOut.code).toBe('timeout_error');

    const nowhere = makeClient({ url: 'http://127.0.0.1:1' });
    const refused = await failure(nowhere.version_info({}));
    expect(refused.code).toBe('connection_error');
    expect(nowhere.stats().retries).toBe(3);
  });

  it('times out an answer that keeps trickling in: the deadline covers the whole exchange', async () => {
    const client = makeClient({ timeoutMs: 400, retry: { maxRetries: 0 } });
    const task = await client.create_task({ title: 'a task whose answer takes seconds at one byte a time' });
    // One byte every 20 ms is never idle for the 400 ms body timeout, but the whole answer takes seconds.
    proxy.rule(() => ({ kind: 'trickle', everyMs: 20 }));
    const started = Date.now();
    const error = await failure(client.get_task({ task_id: task.id }));
    expect(error.code).toBe('timeout_error');
    expect(Date.now() - started).toBeLessThan(3_000);
    proxy.reset();
    expect((await client.get_task({ task_id: task.id })).id).toBe(task.id);
  });

  it('honours Retry-After on 429', async () => {
    const client = makeClient();
    proxy.queue({
      kind: 'status',
      status: 429,
      retryAfter: '1',
      body: { error: 'slow down', code: 'rate_limit_exceeded' },
    });
    const started = performance.now();
    await client.version_info({});
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(proxy.seen).toHaveLength(2);
  });

  it('does not wait for a Retry-After beyond its bound and passes the wait on', async () => {
    const client = makeClient();
    proxy.queue({
      kind: 'status',
      status: 429,
      retryAfter: '120',
      body: { error: 'slow down', code: 'rate_limit_exceeded' },
    });
    const error = await failure(client.version_info({}));
    expect(error).toMatchObject({ code: 'rate_limit_exceeded', retryAfterS: 120 });
    expect(proxy.seen).toHaveLength(1);
  });

  it('never retries 404, 400, 409 or 500', async () => {
    const client = makeClient();
    const parent = await client.create_task({ title: 'parent' });
    const child = await client.create_task({ title: 'child', parent_id: parent.id });
    proxy.reset();

    const notFound = await failure(client.get_task({ task_id: MISSING }));
    expect(notFound).toMatchObject({ code: 'not_found', httpStatus: 404, details: { task_id: MISSING } });
    const invalid = await failure(client.update_task({ task_id: parent.id, project_id: MISSING }));
    expect(invalid).toMatchObject({ code: 'validation_error', details: [{ field: 'project_id' }] });
    const conflict = await failure(client.update_task({ task_id: parent.id, parent_id: child.id }));
    expect(conflict.code).toBe('conflict');
    const stale = await failure(client.update_task({ task_id: parent.id, title: 'x', expected_version: 99 }));
    expect(stale.code).toBe('conflict');
    expect(proxy.forwarded()).toBe(4);

    proxy.reset();
    proxy.queue({ kind: 'status', status: 500, body: { error: 'boom', code: 'internal_error' } });
    expect((await failure(client.version_info({}))).code).toBe('internal_error');
    expect(proxy.seen).toHaveLength(1);
    expect(client.stats().retries).toBe(0);
  });

  it('refuses a bad call locally, without a request', async () => {
    const client = makeClient();
    const error = await failure(client.get_task({ task_id: 'not-a-uuid' }));
    expect(error).toMatchObject({ code: 'validation_error', details: [{ field: 'task_id' }] });
    const unknown = await failure(client.create_task({ title: 'x', colour: 'red' } as never));
    expect(unknown).toMatchObject({
      code: 'validation_error',
      details: [{ field: 'colour', reason: 'unknown field' }],
    });
    expect(proxy.seen).toHaveLength(0);
  });
});

describe('circuit breaker', () => {
  it('opens after exactly 5 failed logical calls, fails fast, half-opens and closes after a good probe', async () => {
    const client = makeClient();
    proxy.rule(() => ({ kind: 'status', status: 503 }));
    for (let call = 1; call <= 5; call++) {
      expect((await failure(client.version_info({}))).code).toBe('connection_error');
      expect(client.stats().breaker.state).toBe(call < 5 ? 'closed' : 'open');
    }
    // Each logical call made 1 + 3 attempts and counted once.
    expect(proxy.seen).toHaveLength(20);

    // Fails fast: nothing reaches the proxy, and the quickest of ten refusals (immune to a GC pause on a
    // busy machine) takes under 5 ms.
    const durations: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      expect((await failure(client.version_info({}))).code).toBe('circuit_open');
      durations.push(performance.now() - started);
    }
    expect(Math.min(...durations)).toBeLessThan(5);
    expect(proxy.seen).toHaveLength(20);

    proxy.rule(() => ({ kind: 'pass' }));
    await new Promise((resolve) => setTimeout(resolve, 170));
    expect((await client.version_info({})).name).toBe('bindery');
    expect(proxy.seen).toHaveLength(21);
    const stats = client.stats();
    expect(stats.breaker).toMatchObject({ state: 'closed', consecutive_failures: 0 });
    expect(stats.failures).toEqual({ connection_error: 5, circuit_open: 10 });
  });

  it('reopens when the probe fails and lets only one probe through, as a single attempt', async () => {
    const client = makeClient();
    proxy.rule(() => ({ kind: 'drop' }));
    for (let call = 0; call < 5; call++) await failure(client.version_info({}));
    await new Promise((resolve) => setTimeout(resolve, 170));
    proxy.reset();
    proxy.rule(() => ({ kind: 'pass', delayMs: 50 }));
    proxy.queue({ kind: 'drop' });
    const probes = await Promise.allSettled([
      client.version_info({}),
      client.version_info({}),
      client.version_info({}),
    ]);
    expect(proxy.seen).toHaveLength(1);
    expect(probes.every((p) => p.status === 'rejected')).toBe(true);
    expect(client.stats().breaker.state).toBe('open');
  });

  it('never counts 4xx answers: they also end a failure streak', async () => {
    const client = makeClient({ retry: { maxRetries: 0 } });
    proxy.rule(() => ({ kind: 'status', status: 503 }));
    for (let call = 0; call < 4; call++) await failure(client.version_info({}));
    proxy.rule(() => ({ kind: 'pass' }));
    for (let call = 0; call < 10; call++)
      expect((await failure(client.get_task({ task_id: MISSING }))).code).toBe('not_found');
    expect(client.stats().breaker).toMatchObject({ state: 'closed', consecutive_failures: 0 });
    proxy.rule(() => ({ kind: 'status', status: 429 }));
    for (let call = 0; call < 6; call++) await failure(client.version_info({}));
    expect(client.stats().breaker.state).toBe('closed');
  });

  it('reports health past an open breaker, including a 503 body', async () => {
    const client = makeClient({ retry: { maxRetries: 0 } });
    proxy.rule(() => ({ kind: 'drop' }));
    for (let call = 0; call < 5; call++) await failure(client.version_info({}));
    expect(client.stats().breaker.state).toBe('open');
    proxy.rule(() => ({ kind: 'pass' }));
    const healthy = await client.health();
    expect(healthy.status).toBe('healthy');
    const unhealthy = { ...healthy, status: 'unhealthy', store: { ...healthy.store, reachable: false } };
    proxy.queue({ kind: 'status', status: 503, body: unhealthy });
    expect(await client.health()).toEqual(unhealthy);
    proxy.queue({ kind: 'drop' });
    expect((await failure(client.health())).code).toBe('connection_error');
  });
});

describe('pool and stats', () => {
  it('reuses keep-alive connections and reports the pool, in-flight calls and failures', async () => {
    const client = makeClient({ connections: 3 });
    proxy.rule(() => ({ kind: 'pass', delayMs: 30 }));
    // Distinct reads: identical ones would be coalesced into one request.
    const calls = Array.from({ length: 9 }, (_, i) => client.list_tasks({ limit: i + 1 }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const during = client.stats();
    expect(during.in_flight).toBe(9);
    expect(during.pool.connected).toBeLessThanOrEqual(3);
    await Promise.all(calls);
    const after = client.stats();
    expect(after).toMatchObject({ in_flight: 0, calls: 9, failures: {} });
    expect(after.pool.connected).toBeGreaterThan(0);
    expect(after.pool.connected).toBeLessThanOrEqual(3);
  });

  it('sends the bearer token and identifies itself', async () => {
    const client = makeClient({ token: 'let-me-in' });
    // The server behind the proxy is open, and an open server still refuses a token it does not know.
    expect((await failure(client.version_info({}))).code).toBe('unauthorized');
    expect(proxy.seen[0]?.headers).toMatchObject({
      authorization: 'Bearer let-me-in',
      accept: 'application/json',
    });
    expect(proxy.seen[0]?.headers['user-agent']).toMatch(/^bindery-client\//);
  });

  it('fails calls after close with connection_error', async () => {
    const client = makeClient();
    await client.close();
    expect((await failure(client.version_info({}))).code).toBe('connection_error');
  });
});
