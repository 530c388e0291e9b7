import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEvents } from '../helpers/events.js';
import { parseScrape, sample } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** GET /metrics scraped from a real server and read with a Prometheus text-format parser. */
let server: TestServer;
let open: TestServer;
const TOKEN = 'metrics-test-token';

beforeAll(async () => {
  [server, open] = await Promise.all([
    startTestServer({ env: { BINDERY_TOKEN: TOKEN } }),
    startTestServer({ env: { BINDERY_TOKEN: TOKEN, BINDERY_METRICS_PUBLIC: 'true' } }),
  ]);
});

afterAll(async () => {
  for (const s of [server, open]) {
    await s.stop();
    await s.remove();
  }
});

const auth = { authorization: `Bearer ${TOKEN}` };

async function scrape(s: TestServer, headers: Record<string, string> = auth) {
  const res = await fetch(`${s.url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseScrape(await res.text());
}

describe('GET /metrics', () => {
  it('needs the token like every route, unless BINDERY_METRICS_PUBLIC is set', async () => {
    expect((await server.http('GET', '/metrics')).status).toBe(401);
    const families = await scrape(open, {});
    expect(families.types.get('bindery_http_requests_total')).toBe('COUNTER');
  });

  it('counts requests by operation, method and status, never by id', async () => {
    const created = await server.http('POST', '/api/tasks', { title: 'metered' }, auth);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await server.http('GET', `/api/tasks/${id}`, undefined, auth);
    await server.http('GET', `/api/tasks/${id}`, undefined, auth);
    await server.http('GET', '/api/tasks/00000000-0000-4000-8000-000000000000', undefined, auth);
    await server.http('POST', '/rpc', { jsonrpc: '2.0', id: 1, method: 'list_roles' }, auth);
    const text = await (await fetch(`${server.url}/metrics`, { headers: auth })).text();
    expect(text).not.toContain(id);
    const families = parseScrape(text);
    const count = (labels: Record<string, string>) => sample(families, 'bindery_http_requests_total', labels);
    expect(count({ operation: 'create_task', method: 'POST', status: '201', interface: 'rest' })).toBe(1);
    expect(count({ operation: 'get_task', method: 'GET', status: '200' })).toBe(2);
    expect(count({ operation: 'get_task', method: 'GET', status: '404' })).toBe(1);
    expect(count({ operation: 'list_roles', interface: 'rpc', status: '200' })).toBe(1);
    const latency = 'bindery_http_request_duration_seconds';
    expect(families.types.get(latency)).toBe('HISTOGRAM');
    const getTask = { operation: 'get_task', status: '200' };
    expect(sample(families, `${latency}_count`, getTask)).toBe(2);
    expect(sample(families, `${latency}_bucket`, { ...getTask, le: '+Inf' })).toBe(2);
    expect(sample(families, `${latency}_sum`, getTask)).toBeGreaterThan(0);
  });

  it('times store operations and reports the pool, replays and the process', async () => {
    const headers = { ...auth, 'idempotency-key': 'metrics-replay-1' };
    for (let i = 0; i < 2; i++) await server.http('POST', '/api/tasks', { title: 'replayed' }, headers);
    const families = await scrape(server);
    const store = 'bindery_store_operation_duration_seconds';
    expect(families.types.get(store)).toBe('HISTOGRAM');
    // Two creates with one key: the first inserts, the replay does not.
    expect(
      sample(families, `${store}_count`, { operation: 'insertTasks', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sample(families, `${store}_count`, { operation: 'claimIdempotency', outcome: 'ok' })).toBe(2);
    expect(sample(families, 'bindery_idempotent_replays_total', { operation: 'create_task' })).toBe(1);
    expect(sample(families, 'bindery_pool_connections', { state: 'max' })).toBeGreaterThanOrEqual(1);
    expect(families.types.get('bindery_store_queries')).toBe('GAUGE');
    expect(sample(families, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('times searches by the path the store took: empty, rare, common, fill', async () => {
    const searches = 'bindery_search_duration_seconds';
    const count = (families: Awaited<ReturnType<typeof scrape>>, path: string) =>
      sample(families, `${searches}_count`, { path }) ?? 0;
    const before = await scrape(server);
    expect(before.types.get(searches)).toBe('HISTOGRAM');
    // Every path is there from the start (at zero), so rates over it exist before its first query.
    for (const path of ['empty', 'rare', 'common', 'fill'])
      expect(sample(before, `${searches}_count`, { path })).toBeDefined();
    await server.http('POST', '/api/tasks', { title: 'quartzite ledger' }, auth);
    const search = (query: string, limit: number) =>
      server.http('POST', '/api/search', { query, limit }, auth);
    expect((await search('***', 10)).status).toBe(200); // no words
    expect((await search('quartzite', 1)).status).toBe(200); // one word, one match: the all-words query
    expect((await search('quartzite basalt', 10)).status).toBe(200); // no task has both: any-word fill
    const after = await scrape(server);
    expect(count(after, 'empty') - count(before, 'empty')).toBe(1);
    expect(count(after, 'rare') - count(before, 'rare')).toBe(1);
    expect(count(after, 'fill') - count(before, 'fill')).toBe(1);
    expect(count(after, 'common')).toBe(count(before, 'common'));
  });

  it('reports open event streams and how late changes reach the server', async () => {
    const stream = await openEvents(server.url, '/api/events', auth);
    try {
      await stream.until((events) => events.some((e) => e.event === 'ready'));
      const before = sample(await scrape(server), 'bindery_change_feed_lag_seconds_count') ?? 0;
      await server.http('POST', '/api/tasks', { title: 'streamed' }, auth);
      await stream.until((events) => events.some((e) => e.event === 'change'));
      const families = await scrape(server);
      expect(sample(families, 'bindery_event_stream_subscribers')).toBe(1);
      expect(families.types.get('bindery_change_feed_lag_seconds')).toBe('HISTOGRAM');
      expect(sample(families, 'bindery_change_feed_lag_seconds_count')).toBeGreaterThan(before);
    } finally {
      stream.close();
    }
  });
});
