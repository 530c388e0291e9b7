import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/app-bridge';
import { registerAppTool } from '@modelcontextprotocol/ext-apps/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_APP_FILE } from '../../src/mcp/app.js';
import { BOARD_TOOL_META, BOARD_URI } from '../../src/mcp/board-meta.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fails, stdioClient } from './helpers.js';

/**
 * show_board through a real client over stdio (`bindery mcp` against a real server): the tool's UI link,
 * the UI resource, and the text summary a host without MCP Apps shows.
 */
let backend: TestServer;
let client: Client;
let core: Client;
const ids: Record<string, string> = {};

async function task(body: Record<string, unknown>): Promise<string> {
  const res = await backend.http('POST', '/api/tasks', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

beforeAll(async () => {
  if (!existsSync(BOARD_APP_FILE)) {
    const root = resolve(import.meta.dirname, '../..');
    spawnSync('npx', ['vite', 'build', '-c', 'web/vite.app.config.ts', '--logLevel', 'warn'], { cwd: root });
  }
  backend = await startTestServer();
  const project = (await backend.http('POST', '/api/projects', { name: 'Launch' })).body.id as string;
  const other = (await backend.http('POST', '/api/projects', { name: 'Other' })).body.id as string;
  ids.project = project;
  ids.spec = await task({ title: 'Write the spec', project_id: project, priority: 'high' });
  ids.ship = await task({ title: 'Ship it', project_id: project, depends_on: [ids.spec] });
  ids.stuck = await task({ title: 'Wait for legal', project_id: project, status: 'blocked' });
  ids.done = await task({ title: 'Kick-off', project_id: project, status: 'done' });
  // Depends on a task of another project: its status is read to tell whether it still blocks.
  ids.external = await task({ title: 'Elsewhere', project_id: other });
  ids.cross = await task({ title: 'Needs the other team', project_id: project, depends_on: [ids.external] });
  await task({ title: 'Not on this board', project_id: other, status: 'doing' });
  const claimed = await backend.http('POST', `/api/tasks/${ids.spec}/execute`, {
    role_name: 'architect',
    lease_s: 600,
  });
  expect(claimed.status).toBe(200);
  client = (await stdioClient({ BINDERY_URL: backend.url, BINDERY_TOOLS: 'standard' })).client;
  core = (await stdioClient({ BINDERY_URL: backend.url, BINDERY_TOOLS: 'core' })).client;
}, 120_000);

afterAll(async () => {
  await client?.close();
  await core?.close();
  await backend?.stop();
  await backend?.remove();
});

describe('show_board', () => {
  it('is listed with its MCP Apps UI link in standard, and not in core', async () => {
    const tool = (await client.listTools()).tools.find((t) => t.name === 'show_board');
    expect(tool?._meta).toEqual({ ui: { resourceUri: BOARD_URI }, 'ui/resourceUri': BOARD_URI });
    // The same _meta ext-apps' registerAppTool hands to McpServer.registerTool (which Bindery's tools bypass).
    const handed = registerAppTool(
      { registerTool: (_name: string, config: { _meta?: unknown }) => config } as never,
      'show_board',
      { _meta: { ui: { resourceUri: BOARD_URI } } },
      async () => ({ content: [] }),
    ) as unknown as { _meta: unknown };
    expect(handed._meta).toEqual(BOARD_TOOL_META);
    expect(tool?.inputSchema.additionalProperties).toBe(false);
    expect(Object.keys(tool?.inputSchema.properties ?? {})).toEqual([
      'project_id',
      'priority',
      'role',
      'tag',
      'q',
      'cancelled',
    ]);
    expect(tool?.annotations).toMatchObject({ readOnlyHint: true });
    expect((await core.listTools()).tools.map((t) => t.name)).not.toContain('show_board');
    await expect(core.readResource({ uri: BOARD_URI })).rejects.toMatchObject({ code: -32602 });
  });

  it('serves the UI resource as one self-contained HTML page of the MCP Apps type', async () => {
    const listed = (await client.listResources()).resources.find((r) => r.uri === BOARD_URI);
    expect(listed).toMatchObject({
      name: 'board',
      mimeType: RESOURCE_MIME_TYPE,
      _meta: { ui: { prefersBorder: true } },
    });
    const read = await client.readResource({ uri: BOARD_URI });
    expect(read.contents).toHaveLength(1);
    const [page] = read.contents as { uri: string; mimeType: string; text: string; _meta: unknown }[];
    expect(page).toMatchObject({
      uri: BOARD_URI,
      mimeType: 'text/html;profile=mcp-app',
      _meta: { ui: { prefersBorder: true } },
    });
    const html = page!.text;
    // Booleans, not string matchers: a failure would print the whole page.
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(/<script type="module">/.test(html) && /<style[\s>]/.test(html)).toBe(true);
    // Nothing loaded from anywhere: no script or stylesheet by address (the host's CSP would refuse it).
    expect(/<script[^>]*\ssrc=|<link[^>]*\shref=/.test(html)).toBe(false);
  });

  it('answers a text summary for hosts without MCP Apps: counts, what runs, what is blocked', async () => {
    const result = await client.callTool({ name: 'show_board', arguments: { project_id: ids.project } });
    expect(result.isError).toBeFalsy();
    const data = result.structuredContent as any;
    expect(data).toMatchObject({
      project: { id: ids.project, name: 'Launch' },
      total: 5,
      counts: { todo: 2, doing: 1, review: 0, done: 1, blocked: 1, cancelled: 0 },
      running_total: 1,
      running: [{ task_id: ids.spec, title: 'Write the spec', role: 'architect' }],
      blocked_total: 3,
    });
    expect(data.blocked.map((b: { title: string }) => b.title).sort()).toEqual([
      'Needs the other team',
      'Ship it',
      'Wait for legal',
    ]);
    const lease = data.running[0].lease_expires_at as string;
    const text = (result.content as { type: string; text: string }[])[0]!.text.split('\n');
    expect(text[0]).toBe('Board, project "Launch": 5 tasks.');
    expect(text[1]).toBe('By status: to do 2, doing 1, review 0, done 1, blocked 1, cancelled 0.');
    expect(text[2]).toBe(`Running (1): "Write the spec" as architect (lease until ${lease}).`);
    expect(text[3]).toMatch(/^Blocked \(3\): /);
    for (const part of [
      '"Ship it" (waits on 1 task)',
      '"Wait for legal" (status blocked)',
      '"Needs the other team" (waits on 1 task)',
    ])
      expect(text[3]).toContain(part);
  });

  it('applies the board filters, and a finished dependency blocks nothing', async () => {
    await backend.http('PATCH', `/api/tasks/${ids.external}`, { status: 'done' });
    const result = await client.callTool({
      name: 'show_board',
      arguments: { project_id: ids.project, priority: 'HIGH', q: 'SPEC' },
    });
    expect(result.structuredContent).toMatchObject({
      filters: { project_id: ids.project, priority: 'high', q: 'SPEC' },
      total: 1,
      counts: { doing: 1 },
      blocked_total: 0,
    });
    expect((result.content as { text: string }[])[0]!.text.split('\n')[0]).toBe(
      'Board, project "Launch", priority high, text "SPEC": 1 task.',
    );
    const all = (await client.callTool({ name: 'show_board', arguments: {} })).structuredContent as any;
    expect(all).toMatchObject({ project: null, total: 7, blocked_total: 2 });
  });

  it('refuses an unknown filter by name, and a project that does not exist', async () => {
    const bad = await fails(
      client,
      'show_board',
      { project_id: ids.project, status: 'todo' },
      'validation_error',
    );
    expect(JSON.stringify(bad.context)).toContain('status');
    await fails(client, 'show_board', { project_id: '00000000-0000-4000-8000-000000000000' }, 'not_found');
  });
});
