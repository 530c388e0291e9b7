import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/runtime/logger.js';
import { buildServer } from '../../src/server/app.js';
import { ChangeHub } from '../../src/server/change-hub.js';
import { httpHelper, startTestServer, type TestServer } from '../helpers/server.js';
import { inProcessApi } from '../mcp/helpers.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ env: { BINDERY_TOKEN: 's3cret' } });
});
afterAll(async () => {
  await t.stop();
  await t.remove();
});

const auth = { authorization: 'Bearer s3cret' };

/** Sends `request` as raw bytes and resolves with the status line of the answer. */
function rawStatus(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.includes('\r\n')) {
        socket.destroy();
        resolve(received.split('\r\n')[0]!);
      }
    });
    socket.on('error', reject);
  });
}

describe('Host header parsing', () => {
  it('refuses a Host with userinfo with 400', async () => {
    const port = new URL(t.url).port;
    const res = await t.http('GET', '/api/roles', undefined, { ...auth, host: `127.0.0.1:${port}@evil.com` });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field: 'Host' })]);
  });

  it('refuses a doubled Host header with 400', async () => {
    const status = await rawStatus(
      t.url,
      'GET /api/roles HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.com\r\nAuthorization: Bearer s3cret\r\n\r\n',
    );
    expect(status).toBe('HTTP/1.1 400 Bad Request');
  });

  it('decides loopback on the parsed address, not on a prefix', async () => {
    const port = new URL(t.url).port;
    for (const host of [`127.1:${port}`, `127.0.0.2:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect((await t.http('GET', '/api/roles', undefined, { ...auth, host })).status, host).toBe(200);
    }
    for (const host of [`127.0.0.1.evil.com:${port}`, `localhost.evil.com:${port}`]) {
      expect((await t.http('GET', '/api/roles', undefined, { ...auth, host })).status, host).toBe(403);
    }
  });
});

describe('bearer token', () => {
  it('accepts the Bearer scheme in any case, and refuses a wrong token', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const res = await t.http('GET', '/api/roles', undefined, { authorization: `${scheme} s3cret` });
      expect(res.status, scheme).toBe(200);
    }
    expect((await t.http('GET', '/api/roles', undefined, { authorization: 'bearer wrong' })).status).toBe(
      401,
    );
    expect((await t.http('GET', '/api/roles', undefined, { authorization: 'Basic s3cret' })).status).toBe(
      401,
    );
  });
});

describe('/health on a non-loopback bind', () => {
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    const { api, store } = await inProcessApi();
    // Declared bound to every interface (what the safety rules see), listening on loopback for the test.
    app = await buildServer({
      api,
      store,
      logger: createLogger('silent'),
      hub: new ChangeHub(store),
      retention: { days: 30, maxRows: 1_000_000 },
      safety: { host: '0.0.0.0', allowedHosts: [], allowedOrigins: [], token: 's3cret' },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(() => app.close());

  it('answers {status} only without the token, everything with it', async () => {
    const http = httpHelper(url);
    const anonymous = await http('GET', '/health');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ status: 'healthy' });
    const trusted = await http('GET', '/health', undefined, auth);
    expect(trusted.body).toMatchObject({
      status: 'healthy',
      workspace: expect.any(String),
      pid: process.pid,
    });
  });
});
