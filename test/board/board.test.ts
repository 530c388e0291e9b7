/// <reference lib="dom" />
// The page functions passed to evaluate() run in the browser, hence the DOM types.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_DIR } from '../../src/server/board.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ok, stdioClient } from '../mcp/helpers.js';
import { buildIfMissing, launchBrowser, SHOTS } from './browser.js';

/**
 * The board in a real browser (browser.ts): one browser for the file, one page reused by the tests that
 * share the main server.
 */
const XSS = '<img src=x onerror=alert(1)>';

let browser: Browser;
let t: TestServer;
let page: Page;
const dialogs: string[] = [];
const ids: Record<string, string> = {};

async function createTask(server: TestServer, body: Record<string, unknown>, actor = 'agent-1') {
  const res = await server.http('POST', '/api/tasks', body, { 'x-bindery-actor': actor });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; version: number; title: string };
}

const card = (p: Page, title: string) => p.locator('.card', { has: p.getByText(title, { exact: true }) });
const column = (p: Page, status: string) => p.locator(`.column[data-status="${status}"]`);

beforeAll(async () => {
  buildIfMissing(join(BOARD_DIR, 'index.html'), 'web/vite.config.ts');
  t = await startTestServer();
  const project = await t.http('POST', '/api/projects', { name: 'Launch' });
  const dep = await createTask(t, { title: 'Write the spec', project_id: project.body.id, status: 'doing' });
  const parent = await createTask(t, {
    title: 'Ship the board',
    description: '# Plan\n\nSome **bold** text and <script>window.pwned = 1</script> a script.',
    project_id: project.body.id,
    priority: 'urgent',
    tags: ['web', 'ui'],
    role: 'implementer',
    due_at: '2030-01-15T00:00:00Z',
    depends_on: [dep.id],
    subtasks: [{ title: 'Columns', status: 'done' }, { title: 'Cards' }, { title: 'Drawer' }],
  });
  const review = await createTask(t, { title: 'Review the API', status: 'review', priority: 'high' });
  const drag = await createTask(t, { title: 'Drag me', priority: 'low' });
  const xss = await createTask(t, { title: XSS, tags: ['<b>tag</b>'] });
  const claimed = await t.http('POST', `/api/tasks/${dep.id}/execute`, {
    role_name: 'architect',
    lease_s: 600,
  });
  expect(claimed.status).toBe(200);
  Object.assign(ids, { dep: dep.id, parent: parent.id, review: review.id, drag: drag.id, xss: xss.id });
  const doc = await t.http('POST', '/api/rag/index', {
    title: 'Runbook',
    document_type: 'markdown',
    content: `# Runbook\n\n${'Intro text. '.repeat(200)}\n\n## Rollback\n\nTo roll back the launch, redeploy the previous tag.\n`,
  });
  expect(doc.status, JSON.stringify(doc.body)).toBeLessThan(300);
  await t.http('POST', '/api/notes', {
    title: 'Launch notes',
    content: 'Remember *this*.',
    project_id: project.body.id,
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await t?.remove();
});

describe('the board', () => {
  it('loads the seeded tasks into their columns, with what a card shows', async () => {
    await page.goto(`${t.url}/`);
    await expect.poll(() => page.locator('.feed').textContent()).toBe('live');
    const shipped = card(page, 'Ship the board');
    await shipped.waitFor();
    expect(await column(page, 'todo').locator('.card').count()).toBe(5); // Cards, Drawer, Drag me, XSS, parent
    const text = await shipped.textContent();
    for (const part of ['urgent', '@implementer', 'due 2030-01-15', '1/3', 'blocked by 1', '#web', '#ui'])
      expect(text).toContain(part);
    await card(page, 'Write the spec').waitFor();
    expect(await column(page, 'doing').textContent()).toContain('Write the spec');
    // The running execution: its role, since when, and the lease counting down every second.
    const spec = card(page, 'Write the spec');
    expect(await spec.locator('.badge.running').textContent()).toContain('running as architect');
    expect(await spec.locator('.since').textContent()).toMatch(/^since \d+ (s|min) ago$/);
    const lease = await spec.locator('.lease').textContent();
    expect(lease).toMatch(/^lease \d+:\d\d left$/);
    await expect.poll(() => spec.locator('.lease').textContent(), { timeout: 5000 }).not.toBe(lease);
    // Seen by a browser whose clock is past the lease's end, the countdown says so.
    const later = await browser.newPage();
    try {
      await later.clock.setFixedTime(Date.now() + 11 * 60_000);
      await later.goto(`${t.url}/`);
      await card(later, 'Write the spec').locator('.lease', { hasText: 'lease expired' }).waitFor();
    } finally {
      await later.close();
    }
    expect(await column(page, 'review').textContent()).toContain('Review the API');
    expect(await column(page, 'done').textContent()).toContain('Columns');
    await shoot(page, 'board');
  });

  it('shows a title made of HTML as text: no element is made and no script runs', async () => {
    await card(page, XSS).waitFor();
    expect(await card(page, XSS).locator('img').count()).toBe(0);
    expect(await page.locator('.card-tags').getByText('#<b>tag</b>').count()).toBe(1);
    expect(dialogs).toEqual([]);
  });

  it('keeps filters in the URL; Back restores them', async () => {
    await page.selectOption('#filter-priority', 'urgent');
    expect(page.url()).toContain('priority=urgent');
    await expect.poll(() => page.locator('.card').count()).toBe(1);
    await page.goBack();
    await expect.poll(() => page.locator('.card').count()).toBeGreaterThan(5);
    await page.goto(`${t.url}/?tag=web`);
    await expect.poll(() => page.locator('.card').count()).toBe(1);
    await page.goto(`${t.url}/`);
    await card(page, 'Drag me').waitFor();
  });

  it('moves a card by drag and by keyboard; the change is stored (read back over REST)', async () => {
    await card(page, 'Drag me').dragTo(column(page, 'done'));
    await expect.poll(async () => (await t.http('GET', `/api/tasks/${ids.drag}`)).body.status).toBe('done');
    await column(page, 'done').getByText('Drag me').waitFor();

    await card(page, 'Review the API').focus();
    await page.keyboard.press('Alt+ArrowRight');
    await expect.poll(async () => (await t.http('GET', `/api/tasks/${ids.review}`)).body.status).toBe('done');
    const stored = (await t.http('GET', `/api/tasks/${ids.review}`)).body;
    expect(stored.updated_by).toBe('board');
  });

  it('opens and closes the drawer by keyboard, moving the focus in and back', async () => {
    await card(page, 'Cards').focus();
    await page.keyboard.press('Enter');
    await page.locator('.drawer h2', { hasText: 'Cards' }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Close');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.drawer').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Cards');
  });

  it("shows another client's write within a second, highlighted", async () => {
    // A real agent: the built `bindery mcp` over stdio, pointed at this server.
    const { client } = await stdioClient({ BINDERY_URL: t.url }, 'agent-mcp');
    try {
      const started = Date.now();
      await ok(client, 'create_task', { task_input: { title: 'Written by an agent' } });
      await card(page, 'Written by an agent').waitFor({ timeout: 5000 });
      const latency = Date.now() - started;
      console.log(`board: an MCP write appeared on the open page after ${latency} ms`);
      expect(latency).toBeLessThan(3000); // the goal is 1 s (docs/board.md); the bound allows a loaded machine
    } finally {
      await client.close();
    }
    expect(await card(page, 'Written by an agent').getAttribute('class')).toContain('flash');
    // The drawer lists the execution, its lease ticking; done ends it, and the badge goes.
    await card(page, 'Write the spec').click();
    const row = page.locator('.drawer .executions tbody tr');
    await row.locator('.lease').waitFor();
    expect(await row.textContent()).toMatch(/^architect\s*running.*lease \d+:\d\d left$/);
    await t.http('PATCH', `/api/tasks/${ids.dep}`, { status: 'done' }, { 'x-bindery-actor': 'agent-1' });
    await expect.poll(() => row.locator('td').nth(1).textContent(), { timeout: 5000 }).toBe('completed');
    expect(await row.locator('td').nth(3).textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    await page.keyboard.press('Escape');
    await column(page, 'done').getByText('Write the spec').waitFor({ timeout: 5000 });
    await expect.poll(() => card(page, 'Write the spec').locator('.badge.running, .lease').count()).toBe(0);
    await expect.poll(() => card(page, 'Ship the board').textContent()).not.toContain('blocked by');
  });

  it('opens the drawer: sanitised Markdown, subtasks, dependencies, history, project notes', async () => {
    await card(page, 'Ship the board').click();
    const drawer = page.locator('.drawer');
    await drawer.locator('h1', { hasText: 'Plan' }).waitFor();
    expect(await drawer.locator('strong', { hasText: 'bold' }).count()).toBe(1);
    expect(await drawer.locator('script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    for (const text of ['Columns', 'Cards', 'Drawer', 'Write the spec', 'agent-1', 'created', 'Launch notes'])
      await drawer.getByText(text).first().waitFor();
    expect(page.url()).toContain(`task=${ids.parent}`);
    await shoot(page, 'drawer');
  });

  it('on a conflicting edit shows what changed meanwhile, and re-applies only on request', async () => {
    const drawer = page.locator('.drawer');
    await drawer.getByRole('button', { name: 'Edit' }).click();
    await page.fill('#edit-title', 'Ship the live board');
    // Meanwhile an agent changes the priority: the version the form was opened at is gone.
    await t.http('PATCH', `/api/tasks/${ids.parent}`, { priority: 'low' }, { 'x-bindery-actor': 'agent-2' });
    await expect
      .poll(async () => (await t.http('GET', `/api/tasks/${ids.parent}`)).body.priority)
      .toBe('low');
    await drawer.getByRole('button', { name: 'Save' }).click();
    const conflict = page.locator('.conflict');
    await conflict.waitFor();
    const text = await conflict.textContent();
    expect(text).toContain('agent-2');
    expect(text).toContain('Ship the live board');
    expect((await t.http('GET', `/api/tasks/${ids.parent}`)).body.title).toBe('Ship the board');
    await conflict.getByRole('button', { name: 'Re-apply my change' }).click();
    await expect
      .poll(async () => (await t.http('GET', `/api/tasks/${ids.parent}`)).body.title)
      .toBe('Ship the live board');
    expect((await t.http('GET', `/api/tasks/${ids.parent}`)).body.priority).toBe('low');
  });

  it('creates a task, and cancels and deletes only after confirmation', async () => {
    await page.goto(`${t.url}/`);
    await page.getByRole('button', { name: 'New task' }).click();
    await page.fill('#new-title', 'Made on the board');
    await page.selectOption('#new-priority', 'high');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await card(page, 'Made on the board').click();
    const drawer = page.locator('.drawer');
    await drawer.getByRole('button', { name: 'Delete' }).click();
    await drawer.getByRole('button', { name: 'No' }).click();
    const list = await t.http('GET', '/api/tasks?limit=500');
    const made = list.body.items.find((task: { title: string }) => task.title === 'Made on the board');
    expect(made.priority).toBe('high');
    await drawer.getByRole('button', { name: 'Delete' }).click();
    await drawer.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(async () => (await t.http('GET', `/api/tasks/${made.id}`)).status).toBe(404);
    expect(await card(page, 'Made on the board').count()).toBe(0);
  });

  it('searches across tasks and notes with highlighted words; shows the dashboard', async () => {
    await page.goto(`${t.url}/?view=search&search=launch`);
    const results = page.locator('.results');
    await results.getByText('Launch notes').waitFor();
    expect(await results.locator('mark').count()).toBeGreaterThan(0);
    await results.getByText('Launch notes').click();
    await page.locator('.opened').getByText('Remember').waitFor();
    await page.goto(`${t.url}/?view=search&search=redeploy`);
    await results.getByText('Runbook').first().click();
    await page.locator('.opened mark', { hasText: 'redeploy the previous tag' }).waitFor();
    expect(await page.locator('.opened').textContent()).toContain('Rollback');
    await page.goto(`${t.url}/?view=dashboard`);
    await page.locator('.dashboard .stat').first().waitFor();
    expect(await page.locator('.chart svg').count()).toBe(2);
    await page.locator('.activity li').first().waitFor();
    await shoot(page, 'dashboard');
  });

  it('is readable on a 390-px wide phone: the page does not overflow, the board scrolls inside', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 800 } });
    try {
      await phone.goto(`${t.url}/`);
      await card(phone, 'Cards').waitFor();
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await phone.screenshot({ path: join(SHOTS, 'board-phone.png') });
    } finally {
      await phone.close();
    }
  });

  it("serves the page under a strict CSP, assets cached for good, and allows only the server's own Origin", async () => {
    const index = await t.http('GET', '/');
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.body as string)![1]!;
    expect(script).toMatch(/-[\w-]{8}\.js$/);
    const asset = await t.http('GET', script);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const port = new URL(t.url).port;
    const own = await t.http('GET', '/api/roles', undefined, { origin: `http://127.0.0.1:${port}` });
    expect(own.status).toBe(200);
    const named = await t.http('GET', '/api/roles', undefined, {
      host: `localhost:${port}`,
      origin: `http://localhost:${port}`,
    });
    expect(named.status).toBe(200);
    for (const origin of [
      `http://127.0.0.1:${Number(port) + 1}`,
      `https://127.0.0.1:${port}`,
      'http://evil.example',
    ]) {
      const refused = await t.http('GET', '/api/roles', undefined, { origin });
      expect(refused.status, origin).toBe(403);
    }
    // A page of another origin may not load the board's script either.
    expect((await t.http('GET', script, undefined, { origin: 'http://evil.example' })).status).toBe(403);
  });

  it('reconnects after a server restart, says so meanwhile, and misses nothing', async () => {
    await page.goto(`${t.url}/`);
    await expect.poll(() => page.locator('.feed').textContent()).toBe('live');
    const port = new URL(t.url).port;
    await t.stop();
    await expect.poll(() => page.locator('.feed').textContent(), { timeout: 10_000 }).toBe('reconnecting…');
    const restarted = await startTestServer({ workspace: t.workspace, env: { BINDERY_PORT: port } });
    try {
      await createTask(restarted, { title: 'Written while the page reconnected' });
      await card(page, 'Written while the page reconnected').waitFor({ timeout: 15_000 });
      expect(await page.locator('.feed').textContent()).toBe('live');
    } finally {
      await restarted.stop();
    }
  });
});

describe('the board with a token', () => {
  it('asks for the token once, keeps it for the tab, and sends it as a header', async () => {
    const secured = await startTestServer({ env: { BINDERY_TOKEN: 'board-secret' } });
    const context = await browser.newContext();
    try {
      await secured.http(
        'POST',
        '/api/tasks',
        { title: 'Behind a token' },
        { authorization: 'Bearer board-secret' },
      );
      const tab = await context.newPage();
      await tab.goto(`${secured.url}/`);
      await tab.locator('#token-input').waitFor();
      await tab.fill('#token-input', 'board-secret');
      await tab.getByRole('button', { name: 'Open the board' }).click();
      await card(tab, 'Behind a token').waitFor();
      await expect.poll(() => tab.locator('.feed').textContent()).toBe('live');
      expect(await context.cookies()).toEqual([]);
      await tab.reload();
      await card(tab, 'Behind a token').waitFor();
      expect(await tab.locator('#token-input').count()).toBe(0);
    } finally {
      await context.close();
      await secured.stop();
      await secured.remove();
    }
  });
});

describe('the board with 5,000 tasks', () => {
  it('renders them (long columns paged) and prints the time', async () => {
    const big = await startTestServer();
    const tab = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      const statuses = ['todo', 'doing', 'review', 'done', 'blocked'];
      for (const status of statuses) {
        const subtasks = Array.from({ length: 999 }, (_, i) => ({ title: `${status} task ${i}`, status }));
        await createTask(big, { title: `${status} epic`, status, subtasks });
      }
      await tab.goto(`${big.url}/`);
      await tab.locator('.board[data-tasks="5000"]').waitFor({ timeout: 30_000 });
      // Render: from the tasks being in the page to the next frame painted with the board.
      const shownAt = await tab.evaluate(
        () => new Promise<number>((done) => requestAnimationFrame(() => done(performance.now()))),
      );
      const loadMs = Number(await tab.locator('.board').getAttribute('data-load-ms'));
      const readyAt = Number(await tab.locator('.board').getAttribute('data-ready-at'));
      const counts = await tab.locator('.column .count').allTextContents();
      expect(counts).toEqual(['1000', '1000', '1000', '1000', '1000']);
      expect(await tab.locator('.card').count()).toBeLessThanOrEqual(5 * 50);
      const refilter = await tab.evaluate(async () => {
        const input = document.querySelector<HTMLInputElement>('#filter-q')!;
        const started = performance.now();
        input.value = 'task 99';
        input.dispatchEvent(new Event('input', { bubbles: true }));
        await new Promise(requestAnimationFrame);
        return performance.now() - started;
      });
      console.log(
        `board: 5,000 tasks — board painted ${Math.round(shownAt)} ms after navigation; loading them ${loadMs} ms; render ${Math.round(shownAt - readyAt)} ms; a text filter over them ${Math.round(refilter)} ms`,
      );
      expect(shownAt).toBeLessThan(20_000);
    } finally {
      await tab.close();
      await big.stop();
      await big.remove();
    }
  });
});

/** The page in light and dark, as the system preference would choose. */
async function shoot(p: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await p.emulateMedia({ colorScheme: scheme });
    await p.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`) });
  }
  await p.emulateMedia({ colorScheme: 'light' });
}
