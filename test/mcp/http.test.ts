/**
 * The Streamable HTTP endpoint at /mcp: behind the server's Host/Origin/token checks, stateless, and every
 * refusal a JSON-RPC error body.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ok } from './helpers.js';

const MCP_HEADERS = {
  accept: 'application/json, text/event-stream',
  'content-type': 'application/json',
  'mcp-protocol-version': '2025-06-18',
};
const PING = { jsonrpc: '2.0', id: 1, method: 'ping' };

describe('/mcp', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
    await server.remove();
  });

  it('answers JSON-RPC over POST with plain JSON, without a session', async () => {
    const res = await server.http('POST', '/mcp', PING, MCP_HEADERS);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    expect(res.body).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
  });

  it('refuses a foreign Host or Origin with 403, as the REST routes do', async () => {
    const host = await server.http('POST', '/mcp', PING, { ...MCP_HEADERS, host: 'evil.example.com' });
    expect(host.status).toBe(403);
    expect(host.body).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { data: { code: 'permission_denied' } },
    });
    const origin = await server.http('POST', '/mcp', PING, {
      ...MCP_HEADERS,
      origin: 'http://evil.example.com',
    });
    expect(origin.status).toBe(403);
  });

  it('answers bad JSON with -32700 and a bad message with -32600', async () => {
    const garbage = await server.http('POST', '/mcp', '{"jsonrpc":', MCP_HEADERS);
    expect(garbage.status).toBe(400);
    expect(garbage.body).toMatchObject({ id: null, error: { code: -32700 } });
    const invalid = await server.http('POST', '/mcp', { jsonrpc: '1.0', id: 5, method: 'ping' }, MCP_HEADERS);
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ id: 5, error: { code: -32600 } });
    const batch = await server.http('POST', '/mcp', [PING], MCP_HEADERS);
    expect(batch.body).toMatchObject({ id: null, error: { code: -32600 } });
    const empty = await server.http('POST', '/mcp', '', MCP_HEADERS);
    expect(empty.body).toMatchObject({ id: null, error: { code: -32700 } });
  });

  it('refuses another media type, a body over the limit, and GET/DELETE', async () => {
    const text = await server.http('POST', '/mcp', JSON.stringify(PING), {
      ...MCP_HEADERS,
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(415);
    expect(text.body).toMatchObject({ jsonrpc: '2.0', error: { data: { code: 'validation_error' } } });
    const huge = await server.http(
      'POST',
      '/mcp',
      { ...PING, padding: 'x'.repeat(17 * 1024 * 1024) },
      MCP_HEADERS,
    );
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ error: { data: { code: 'payload_too_large' } } });
    for (const method of ['GET', 'DELETE']) {
      const res = await server.http(method, '/mcp', undefined, { accept: 'text/event-stream' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it('a notification is accepted with 202 and no body', async () => {
    const res = await server.http(
      'POST',
      '/mcp',
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      MCP_HEADERS,
    );
    expect(res.status).toBe(202);
  });
});

describe('/mcp with BINDERY_TOKEN', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { BINDERY_TOKEN: 'sesame' } });
  });
  afterAll(async () => {
    await server.stop();
    await server.remove();
  });

  it('needs the bearer token', async () => {
    const res = await server.http('POST', '/mcp', PING, MCP_HEADERS);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { data: { code: 'unauthorized' } } });

    const client = new Client({ name: 'bindery-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: 'Bearer sesame' } },
      }),
    );
    expect((await ok(client, 'list_roles')).total_roles).toBeGreaterThan(0);
    await client.close();
  });
});
