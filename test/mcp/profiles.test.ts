import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpSettings } from '../../src/cli/config.js';
import { TOOL_PROFILES, toolNames } from '../../src/mcp/profiles.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, httpClient, inMemoryClient, inProcessApi, SEED_TOOLS, stdioClient } from './helpers.js';

/**
 * What tools/list costs per profile, in bytes of its JSON (what enters a model's context). Before the
 * profiles, all 24 tools took 26,372 bytes; `all` and `standard` may take 70 % of that per tool, so a new
 * tool that stays within the average passes, and `core` (a fixed set) stays under 10 KB in all.
 */
const BYTES_PER_TOOL = Math.floor((0.7 * 26_372) / 24);
const CORE_TOTAL_BYTES = 10 * 1024;

let inProcess: Awaited<ReturnType<typeof inProcessApi>>;
beforeAll(async () => {
  inProcess = await inProcessApi();
});
afterAll(async () => {
  await inProcess.close();
});

async function listedBytes(names: readonly string[], readOnly = false) {
  const client = await inMemoryClient(inProcess.api, { tools: { names, readOnly } });
  try {
    const listing = await client.listTools();
    return { bytes: Buffer.byteLength(JSON.stringify(listing)), names: listing.tools.map((t) => t.name) };
  } finally {
    await client.close();
  }
}

describe('tools/list budget', () => {
  it.each(TOOL_PROFILES)('%s stays within its byte budget', async (profile) => {
    const { bytes, names } = await listedBytes(toolNames(profile));
    console.info(`tools/list ${profile}: ${names.length} tools, ${bytes} bytes`);
    if (profile === 'core') expect(bytes).toBeLessThanOrEqual(CORE_TOTAL_BYTES);
    else expect(bytes / names.length).toBeLessThanOrEqual(BYTES_PER_TOOL);
  });

  it('states the recursive subtask schema once', async () => {
    const client = await inMemoryClient(inProcess.api);
    const tool = (await client.listTools()).tools.find((t) => t.name === 'create_task')!;
    await client.close();
    const text = JSON.stringify(tool.inputSchema);
    expect(text.split('"completion_notes"').length - 1).toBe(1);
    expect(text).toContain('"subtasks":{"type":"array","items":{"$ref":"#/$defs/task_input"}}');
  });
});

describe('BINDERY_TOOLS', () => {
  it('core is the fourteen seed tools and the agent loop (next_task, heartbeat_execution)', () => {
    expect(toolNames('core').sort()).toEqual([...SEED_TOOLS, 'next_task', 'heartbeat_execution'].sort());
    expect(mcpSettings({}).tools.names).toEqual(toolNames('standard'));
    expect(toolNames('standard').length).toBeGreaterThan(toolNames('core').length);
    expect(toolNames('all').length).toBeGreaterThan(toolNames('standard').length);
  });

  it('refuses an unknown tool name by name', () => {
    expect(() => mcpSettings({ BINDERY_TOOLS: 'get_task,gett_task' })).toThrow(
      /^BINDERY_TOOLS names an unknown tool "gett_task"/,
    );
    expect(() => mcpSettings({ BINDERY_TOOLS: ',' })).toThrow(/^BINDERY_TOOLS /);
  });

  it('serves only the listed tools over stdio; another is an unknown tool', async () => {
    const backend = await startTestServer();
    const { client } = await stdioClient({ BINDERY_URL: backend.url, BINDERY_TOOLS: 'get_task, list_tasks' });
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['get_task', 'list_tasks']);
      await expect(client.callTool({ name: 'create_task', arguments: {} })).rejects.toThrow(/Unknown tool/);
      expect((await call(client, 'list_tasks', {})).isError).toBe(false);
    } finally {
      await client.close();
      await backend.stop();
      await backend.remove();
    }
  });
});

describe('BINDERY_READ_ONLY', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { BINDERY_READ_ONLY: 'true' } });
  });
  afterAll(async () => {
    await server.stop();
    await server.remove();
  });

  const expectRefused = (answer: { isError: boolean; data: any }) => {
    expect(answer.isError).toBe(true);
    expect(answer.data.error_code).toBe('permission_denied');
  };

  it('refuses writes with permission_denied over REST and JSON-RPC; reads go on', async () => {
    const rest = await server.http('POST', '/api/tasks', { title: 'no' });
    expect(rest.status).toBe(403);
    expect(rest.body.code).toBe('permission_denied');
    const rpc = await server.http('POST', '/rpc', {
      jsonrpc: '2.0',
      id: 1,
      method: 'create_task',
      params: { title: 'no' },
    });
    expect(rpc.body.error.data.code).toBe('permission_denied');
    expect((await server.http('GET', '/api/tasks')).body.total).toBe(0);
  });

  it('leaves write tools out of tools/list and refuses them over MCP (HTTP and stdio)', async () => {
    const http: Client = await httpClient(server.url);
    const names = (await http.listTools()).tools.map((t) => t.name);
    expect(names).toContain('get_task');
    expect(names).not.toContain('create_task');
    expectRefused(await call(http, 'create_task', { task_input: { title: 'no' } }));
    await http.close();
    // A read-only stdio process in front of a writable server refuses on its own side too.
    const writable = await startTestServer();
    const { client } = await stdioClient({ BINDERY_URL: writable.url, BINDERY_READ_ONLY: 'true' });
    try {
      expect((await client.listTools()).tools.some((t) => t.annotations?.readOnlyHint === false)).toBe(false);
      expectRefused(await call(client, 'create_task', { task_input: { title: 'no' } }));
      expect((await writable.http('GET', '/api/tasks')).body.total).toBe(0);
    } finally {
      await client.close();
      await writable.stop();
      await writable.remove();
    }
  });
});
