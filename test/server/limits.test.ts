import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, useSpawnedServers } from '../helpers/process.js';
import { type HttpResponse, httpHelper } from '../helpers/server.js';

/** A raw client socket: writes what it is told, collects what comes back, notes when the server closes. */
function rawClient(url: string) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  socket.on('error', () => {});
  return { socket, closed, received: () => received };
}

const serve = useSpawnedServers();

let limited: ServeProcess;

beforeAll(async () => {
  limited = await serve({ BINDERY_REQUEST_TIMEOUT_S: '2', BINDERY_TOKEN: 'right-token' });
});

const auth = { authorization: 'Bearer right-token' };

describe('JSON-RPC batch limits', () => {
  it('refuses a 5,000-item batch at once with one -32600 naming the limit, while /health answers', async () => {
    const http = httpHelper(limited.url);
    const batch = Array.from({ length: 5_000 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'search',
      params: { query: 'anything' },
    }));
    const started = performance.now();
    const [refused, health] = await Promise.all([http('POST', '/rpc', batch, auth), http('GET', '/health')]);
    const tookMs = performance.now() - started;
    console.info(`5,000-item batch refused in ${tookMs.toFixed(1)} ms (round trip, loaded machine)`);
    expect(refused.status).toBe(200);
    expect(Array.isArray(refused.body)).toBe(false);
    expect(refused.body.error.code).toBe(-32600);
    expect(refused.body.error.message).toContain('at most 100 calls (BINDERY_RPC_MAX_BATCH)');
    expect(health.status).toBe(200);
  });

  it('runs a batch at the limit, in order, and follows BINDERY_RPC_MAX_BATCH', async () => {
    const http = httpHelper(limited.url);
    const batch = Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'list_roles' }));
    const answered = await http('POST', '/rpc', batch, auth);
    expect(answered.body.map((a: { id: number }) => a.id)).toEqual(batch.map((c) => c.id));
    const small = await serve({ BINDERY_RPC_MAX_BATCH: '3' });
    const refused = await httpHelper(small.url)('POST', '/rpc', batch.slice(0, 4));
    expect(refused.body.error.message).toContain('at most 3 calls');
  });
});

describe('request timeouts', () => {
  it('cuts a client trickling its body at BINDERY_REQUEST_TIMEOUT_S while others are served', async () => {
    const { socket, closed, received } = rawClient(limited.url);
    socket.write(
      'POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer right-token\r\n' +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    const started = Date.now();
    const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
    const http = httpHelper(limited.url);
    let served = 0;
    let cutAt = 0;
    void closed.then((at) => {
      cutAt = at;
    });
    while (!cutAt && Date.now() - started < 15_000) {
      expect((await http('GET', '/api/roles', undefined, auth)).status).toBe(200);
      served++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    clearInterval(trickle);
    const heldMs = cutAt - started;
    console.info(
      `trickling client cut after ${heldMs} ms (limit 2 s); ${served} other requests served meanwhile`,
    );
    expect(cutAt).toBeGreaterThan(0);
    expect(heldMs).toBeGreaterThanOrEqual(1_900);
    expect(heldMs).toBeLessThan(10_000);
    expect(received()).toMatch(/^HTTP\/1\.1 408/);
    expect(served).toBeGreaterThan(3);
  });

  it('cuts a client trickling its headers', async () => {
    const { socket, closed } = rawClient(limited.url);
    socket.write('GET /health HTTP/1.1\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
    const started = Date.now();
    const cutAt = await closed;
    clearInterval(trickle);
    expect(cutAt - started).toBeLessThan(10_000);
  });

  it('answers 401 to a request without the token before its body is sent', async () => {
    const { socket, received } = rawClient(limited.url);
    socket.write(
      'POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000000\r\n\r\n',
    );
    const started = Date.now();
    while (!received().includes('\r\n\r\n') && Date.now() - started < 1_500) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    socket.destroy();
    expect(received()).toMatch(/^HTTP\/1\.1 401/);
  });
});

describe('load shedding', () => {
  // Load shedding is the HTTP layer's, the same over either store; the pressure is made on SQLite whatever
  // store this run tests, because there indexing keeps the event loop busy from end to end (chunking, then
  // synchronous writes). On PostgreSQL the loop idles while the database writes, and under-pressure judges
  // the mean delay over a second, so whether a window counts as pressure depends on the machine's speed.
  // Light requests are sent continuously beside the heavy ones, so one arrives while the pressure lasts.
  it('answers 503 with Retry-After under event-loop pressure while /health keeps answering', async () => {
    const busy = await serve({ BINDERY_MAX_EVENT_LOOP_DELAY_MS: '5', BINDERY_DATABASE_URL: '' });
    const http = httpHelper(busy.url);
    const content = `${'a heavy paragraph to chunk and index '.repeat(50)}\n\n`.repeat(600);
    let shed: HttpResponse | undefined;
    const healths: number[] = [];
    const started = Date.now();
    const heavy = async () => {
      for (let round = 0; !shed && Date.now() - started < 20_000; round++) {
        await http('POST', '/api/rag/index', { title: `heavy ${round}`, content: `${round} ${content}` });
      }
    };
    const probe = async () => {
      while (!shed && Date.now() - started < 20_000) {
        const [list, health] = await Promise.all([http('GET', '/api/tasks?limit=1'), http('GET', '/health')]);
        healths.push(health.status);
        if (list.status === 503) shed = list;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await Promise.all([heavy(), heavy(), probe()]);
    expect(shed?.headers.get('retry-after')).toBe('2');
    expect(shed?.body.code).toBe('connection_error');
    expect(healths.every((status) => status === 200)).toBe(true);
  });
});
