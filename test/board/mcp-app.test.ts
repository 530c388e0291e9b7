/// <reference lib="dom" />
// The page functions passed to evaluate() run in the browser, hence the DOM types.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_APP_FILE } from '../../src/mcp/app.js';
import { BOARD_URI } from '../../src/mcp/board-meta.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { stdioClient } from '../mcp/helpers.js';
import { buildIfMissing, launchBrowser, SHOTS } from './browser.js';

/**
 * The board as an MCP App in a real browser: a test host page (mcp-app-host.ts, on ext-apps' AppBridge)
 * shows the UI resource that `bindery mcp` serves in a sandboxed frame with no network access, and bridges
 * the app's tool calls to a real MCP client of that `bindery mcp` in this process. The screenshot goes where
 * browser.ts says (docs/images for docs/mcp.md's picture).
 */
const HOST_NAME = 'mcp-app-host';

let backend: TestServer;
let client: Client;
let browser: Browser;
let page: Page;
let hostDir: string;
const called: string[] = [];
const requests: string[] = [];
const consoleErrors: string[] = [];
const ids: Record<string, string> = {};

async function task(body: Record<string, unknown>): Promise<string> {
  const res = await backend.http('POST', '/api/tasks', body, { 'x-bindery-actor': 'agent-1' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

/** The host page's script, bundled with its ext-apps and SDK imports. */
async function hostScript(): Promise<string> {
  hostDir = mkdtempSync(join(tmpdir(), 'bindery-app-host-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: hostDir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: resolve(import.meta.dirname, 'mcp-app-host.ts'), formats: ['es'], fileName: 'host' },
    },
  });
  return readFileSync(join(hostDir, 'host.js'), 'utf8');
}

const card = (app: FrameLocator, title: string) => app.locator('.card', { hasText: title });
const column = (app: FrameLocator, status: string) => app.locator(`.column[data-status="${status}"]`);

beforeAll(async () => {
  buildIfMissing(BOARD_APP_FILE, 'web/vite.app.config.ts');
  backend = await startTestServer();
  const project = (await backend.http('POST', '/api/projects', { name: 'Launch' })).body.id as string;
  const other = (await backend.http('POST', '/api/projects', { name: 'Other' })).body.id as string;
  ids.project = project;
  ids.spec = await task({ title: 'Write the spec', project_id: project, priority: 'high', tags: ['docs'] });
  await task({
    title: 'Ship the board',
    project_id: project,
    priority: 'urgent',
    role: 'implementer',
    tags: ['web'],
    depends_on: [ids.spec],
    due_at: '2030-01-15T00:00:00Z',
    subtasks: [{ title: 'Columns', status: 'done' }, { title: 'Cards' }],
  });
  await task({ title: 'Review the API', project_id: project, status: 'review' });
  await task({ title: 'Wait for legal', project_id: project, status: 'blocked', priority: 'low' });
  ids.drag = await task({ title: 'Move me', project_id: project });
  await task({ title: 'Not on this board', project_id: other });
  const claimed = await backend.http('POST', `/api/tasks/${ids.spec}/execute`, {
    role_name: 'architect',
    lease_s: 600,
  });
  expect(claimed.status).toBe(200);
  client = (await stdioClient({ BINDERY_URL: backend.url, BINDERY_TOOLS: 'standard' }, HOST_NAME)).client;

  const script = await hostScript();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 800, height: 500 } });
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.exposeFunction(
    'hostCallTool',
    async (params: { name: string; arguments?: Record<string, unknown> }) => {
      called.push(params.name);
      return client.callTool(params);
    },
  );
  await page.setContent(
    '<!doctype html><html><head><style>body{margin:0}iframe{border:0;width:800px;height:500px;display:block}</style></head><body></body></html>',
  );
  await page.addScriptTag({ type: 'module', content: script });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await client?.close();
  await backend?.stop();
  await backend?.remove();
  if (hostDir) rmSync(hostDir, { recursive: true, force: true });
});

describe('the board as an MCP App', () => {
  it('renders the project’s tasks, read through the host’s tool calls only', async () => {
    const input = { project_id: ids.project };
    const result = (await client.callTool({ name: 'show_board', arguments: input })) as CallToolResult;
    const resource = await client.readResource({ uri: BOARD_URI });
    const html = (resource.contents[0] as { text: string }).text;
    await page.evaluate(([h, i, r]) => window.showApp(h, i, r), [html, input, result] as const);

    const app = page.frameLocator('iframe');
    await card(app, 'Ship the board').waitFor({ timeout: 15_000 });
    await expect.poll(() => app.locator('.feed').textContent()).toBe('live');
    expect(await column(app, 'todo').locator('.card').count()).toBe(3); // Ship the board, Cards, Move me
    const shipped = await card(app, 'Ship the board').textContent();
    for (const part of ['urgent', '@implementer', 'due 2030-01-15', '1/2', 'blocked by 1', '#web'])
      expect(shipped).toContain(part);
    expect(await card(app, 'Write the spec').locator('.badge.running').textContent()).toContain(
      'running as architect',
    );
    expect(await column(app, 'review').textContent()).toContain('Review the API');
    expect(await column(app, 'blocked').textContent()).toContain('Wait for legal');
    // show_board's project filter reached the board.
    expect(await app.locator('.card', { hasText: 'Not on this board' }).count()).toBe(0);
    expect(await app.locator('#filter-project').inputValue()).toBe(ids.project);
    await page.screenshot({ path: join(SHOTS, 'board-mcp-app.png') });

    for (const tool of ['list_tasks', 'list_projects', 'list_executions']) expect(called).toContain(tool);
    // Nothing was fetched by the host page or the app: the HTML came as a string, data as tool results.
    expect(requests).toEqual([]);
    expect(consoleErrors.filter((text) => /Content Security Policy|Refused/i.test(text))).toEqual([]);
  });

  it('shows another agent’s change on its next re-read', async () => {
    await task({ title: 'Added by another agent', project_id: ids.project, priority: 'high' });
    const app = page.frameLocator('iframe');
    await card(app, 'Added by another agent').waitFor({ timeout: 15_000 });
  });

  it('writes through the host: a card moved on the board is an update_task by the MCP client', async () => {
    const app = page.frameLocator('iframe');
    const moving = card(app, 'Move me');
    await moving.focus();
    await moving.press('Alt+ArrowRight');
    await column(app, 'doing').locator('.card', { hasText: 'Move me' }).waitFor({ timeout: 10_000 });
    expect(called).toContain('update_task');
    const stored = await backend.http('GET', `/api/tasks/${ids.drag}`);
    expect(stored.body).toMatchObject({ status: 'doing', version: 2 });
    const history = await backend.http('GET', `/api/tasks/${ids.drag}/history`);
    expect(history.body.items[0]).toMatchObject({ actor: HOST_NAME, from: 'todo', to: 'doing' });
    expect(requests).toEqual([]);
  });
});
