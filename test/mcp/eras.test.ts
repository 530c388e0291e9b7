/**
 * Both protocol eras through both transports, with the SDK v2 client: 2025-11-25 (initialize handshake)
 * and 2026-07-28 (stateless requests after server/discover), over `bindery mcp` (stdio) and /mcp. Each
 * covers a tool call, a resource read and a subscription notification caused by another writer.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { httpClient, stdioClient } from './helpers.js';

type Era = '2025-11-25' | '2026-07-28';
type Via = 'stdio' | 'http';

const ERAS: Era[] = ['2025-11-25', '2026-07-28'];
const MISSING = 'bindery://tasks/00000000-0000-4000-8000-000000000000';

let server: TestServer;
const open: Client[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const client of open) await client.close().catch(() => {});
  await server.stop();
  await server.remove();
});

async function connect(via: Via, era: Era): Promise<Client> {
  const options = era === '2026-07-28' ? { versionNegotiation: { mode: { pin: era } } } : {};
  const client =
    via === 'stdio'
      ? (
          await stdioClient(
            { BINDERY_URL: server.url, MCP_AUTO_LAUNCH_BACKEND: 'false' },
            `eras-${era}`,
            options,
          )
        ).client
      : await httpClient(server.url, options);
  open.push(client);
  return client;
}

async function newTask(title: string): Promise<string> {
  const res = await server.http('POST', '/api/tasks', { title });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** Resolves with the first notifications/resources/updated for `uri`. */
function updateOf(client: Client, uri: string): Promise<number> {
  return new Promise((resolve) => {
    client.setNotificationHandler('notifications/resources/updated', (notification) => {
      if (notification.params.uri === uri) resolve(Date.now());
    });
  });
}

describe.each(['stdio', 'http'] as const)('MCP over %s', (via) => {
  describe.each(ERAS)('protocol %s', (era) => {
    let client: Client;

    beforeAll(async () => {
      client = await connect(via, era);
    });

    it('negotiates the era and calls a tool', async () => {
      expect(client.getNegotiatedProtocolVersion()).toBe(era);
      const result = await client.callTool({
        name: 'create_task',
        arguments: { task_input: { title: `tool ${via} ${era}` } },
      });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ title: `tool ${via} ${era}`, version: 1 });
      const refused = await client.callTool({
        name: 'get_task',
        arguments: { task_id: '00000000-0000-4000-8000-000000000000', extra: 1 },
      });
      expect(refused.isError).toBe(true);
      expect(refused.structuredContent).toMatchObject({ error_code: 'validation_error' });
    });

    it('reads resources: an entity with its version, the dashboard, the list, completion; a missing one is not found', async () => {
      const id = await newTask(`read ${via} ${era}`);
      const uri = `bindery://tasks/${id}`;
      const read = await client.readResource({ uri });
      expect(read.contents[0]).toMatchObject({
        uri,
        mimeType: 'application/json',
        _meta: { 'bindery/version': 1 },
      });
      expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({
        id,
        title: `read ${via} ${era}`,
      });
      const dashboard = await client.readResource({ uri: 'bindery://dashboard' });
      expect(JSON.parse((dashboard.contents[0] as { text: string }).text).total_tasks).toBeGreaterThan(0);
      const list = await client.listResources();
      expect(list.resources[0]).toMatchObject({ uri: 'bindery://dashboard' });
      const templates = await client.listResourceTemplates();
      expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual([
        'bindery://tasks/{id}',
        'bindery://projects/{id}',
        'bindery://notes/{id}',
        'bindery://documents/{id}',
      ]);
      const completion = await client.complete({
        ref: { type: 'ref/resource', uri: 'bindery://tasks/{id}' },
        argument: { name: 'id', value: id.slice(0, 8) },
      });
      expect(completion.completion.values).toContain(id);
      for (const bad of [MISSING, 'bindery://tasks/not-an-id', 'bindery://spaceships/1', 'nonsense']) {
        await expect(client.readResource({ uri: bad })).rejects.toMatchObject({ code: -32602 });
      }
    });

    it('tells a subscriber of another writer’s change', async () => {
      const id = await newTask(`watched ${via} ${era}`);
      const uri = `bindery://tasks/${id}`;
      if (via === 'http' && era === '2025-11-25') {
        // Stateless on this era: no stream to push on, said in the error.
        await expect(client.subscribeResource({ uri })).rejects.toThrow(/statelessly.*subscriptions\/listen/);
        return;
      }
      const arrived = updateOf(client, uri);
      let close = async () => {};
      if (era === '2025-11-25') {
        await client.subscribeResource({ uri });
        await expect(client.subscribeResource({ uri: MISSING })).rejects.toMatchObject({ code: -32602 });
      } else {
        const subscription = await client.listen({ resourceSubscriptions: [uri] });
        expect(subscription.honoredFilter.resourceSubscriptions).toEqual([uri]);
        close = () => subscription.close();
      }
      // The stdio process follows the server's feed: wait for it to be live before the write.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const sent = Date.now();
      const res = await server.http('PATCH', `/api/tasks/${id}`, { status: 'doing' });
      expect(res.status).toBe(200);
      const at = await arrived;
      expect(at - sent).toBeLessThan(5_000); // the 1 s goal is measured in bench/, on a quiet machine
      await close();
    });
  });
});

describe('subscription limits', () => {
  it('refuses the 1,001st subscription of a 2025-11-25 session with a clear error', async () => {
    const client = await connect('stdio', '2025-11-25');
    await client.subscribeResource({ uri: 'bindery://dashboard' });
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => newTask(`limit ${i}`)));
    for (const id of ids) await client.subscribeResource({ uri: `bindery://tasks/${id}` });
    // The limit counts URIs; subscribing the same one again holds no more.
    await client.subscribeResource({ uri: 'bindery://dashboard' });
    let held = 1 + ids.length;
    const many = await Promise.all(Array.from({ length: 1_000 - held }, (_, i) => newTask(`bulk ${i}`)));
    for (const id of many) {
      await client.subscribeResource({ uri: `bindery://tasks/${id}` });
      held++;
    }
    expect(held).toBe(1_000);
    const extra = await newTask('one too many');
    await expect(client.subscribeResource({ uri: `bindery://tasks/${extra}` })).rejects.toThrow(
      /already holds 1000 subscriptions/,
    );
    await client.unsubscribeResource({ uri: 'bindery://dashboard' });
    await client.subscribeResource({ uri: `bindery://tasks/${extra}` });
  }, 120_000);

  it('a 2026-07-28 request to /mcp passes the Host check like any other', async () => {
    const res = await server.http(
      'POST',
      '/mcp',
      { jsonrpc: '2.0', id: 1, method: 'server/discover', params: {} },
      {
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        host: 'evil.example.com',
      },
    );
    expect(res.status).toBe(403);
  });
});
