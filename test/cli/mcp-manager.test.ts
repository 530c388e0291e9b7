import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { writeJsonAtomic } from '../../src/manager/atomic-file.js';
import { isAlive, managerPaths, readServerFile } from '../../src/manager/index.js';
import { CLI, runCli } from '../helpers/process.js';
import { httpHelper } from '../helpers/server.js';
import { tempWorkspace } from '../helpers/workspace.js';
import { call, ok } from '../mcp/helpers.js';

/** Short lifetimes: the launched backend inherits them from the MCP process. */
const FAST = { BINDERY_IDLE_GRACE_S: '1', BINDERY_LEASE_REFRESH_S: '0.5' };
const GRACE_MS = 1_000;

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh directory: no .vespera, no .git, so `bindery mcp` started in it makes it the workspace. */
function workspace(): string {
  const ws = tempWorkspace('bindery-mcp-manager-');
  cleanups.push(() => {
    const pid = readServerFile(ws.dir)?.pid;
    if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
    ws.remove();
  });
  return ws.dir;
}

interface McpProcess {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
}

/** A real `bindery mcp` started in `cwd` with no BINDERY_URL, as an AI client would start it. */
async function mcp(cwd: string, env: Record<string, string> = {}): Promise<McpProcess> {
  const { BINDERY_URL, BINDERY_WORKSPACE, BINDERY_PORT, ...inherited } = process.env as Record<
    string,
    string
  >;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp'],
    cwd,
    env: { ...inherited, BINDERY_LOG_LEVEL: 'warn', ...FAST, ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: 'bindery-manager-test', version: '1.0.0' });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return { client, transport, stderr: () => stderr };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const createTask = (client: Client, title: string) => call(client, 'create_task', { task_input: { title } });

describe('bindery mcp with the backend manager', () => {
  it('the first MCP process launches the backend, the second attaches to it (cold start vs warm attach)', async () => {
    const ws = workspace();
    let started = performance.now();
    const first = await mcp(ws, { BINDERY_LOG_LEVEL: 'info' });
    const created = await ok(first.client, 'create_task', { task_input: { title: 'cold' } });
    const coldMs = performance.now() - started;
    const backend = readServerFile(ws)!;
    expect(backend).toMatchObject({ workspace: ws, managed: true });
    // Each log line has one `pid` (the MCP process's own); the backend's is `backend_pid`, so a JSON
    // parser, which keeps only the last of two equal keys, loses neither.
    const lines = first
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    for (const line of lines) expect(line.match(/"pid":/g) ?? [], line).toHaveLength(1);
    const launched = lines
      .map((line) => JSON.parse(line))
      .find((e) => e.msg === 'launched the Bindery backend');
    expect(launched).toMatchObject({ pid: first.transport.pid, backend_pid: backend.pid });

    started = performance.now();
    const second = await mcp(ws);
    expect((await ok(second.client, 'get_task', { task_id: created.id })).title).toBe('cold');
    const warmMs = performance.now() - started;
    expect(readServerFile(ws)!.pid).toBe(backend.pid);
    const launches = readFileSync(managerPaths(ws).logFile, 'utf8').match(/starting the backend/g);
    expect(launches).toHaveLength(1);

    const health = await ok(second.client, 'health_check');
    expect(health).toMatchObject({ status: 'healthy', backend: { url: backend.url, reachable: true } });
    console.info(
      `cold start ${Math.round(coldMs)} ms, warm attach ${Math.round(warmMs)} ms (spawn → first answer)`,
    );
    expect(coldMs).toBeLessThan(15_000);
  });

  it('2 MCP processes × 8 calls in flight × 250 create_task each → exactly 4,000 tasks', async () => {
    const ws = workspace();
    const processes = [await mcp(ws), await mcp(ws)];
    const ids = new Set<string>();
    await Promise.all(
      processes.flatMap(({ client }, p) =>
        Array.from({ length: 8 }, async (_, lane) => {
          for (let i = 0; i < 250; i++) {
            const answer = await createTask(client, `p${p} lane${lane} #${i}`);
            expect(answer.isError, JSON.stringify(answer.data)).toBe(false);
            ids.add(answer.data.id);
          }
        }),
      ),
    );
    expect(ids.size).toBe(4000);
    const http = httpHelper(readServerFile(ws)!.url);
    expect((await http('GET', '/api/tasks?limit=1')).body.total).toBe(4000);
    expect((await ok(processes[0]!.client, 'get_dashboard_stats')).total_tasks).toBe(4000);
  }, 120_000);

  it('a backend killed with -9 mid-burst is restarted: every acknowledged create is there, later calls succeed', async () => {
    const ws = workspace();
    const { client } = await mcp(ws);
    const before = readServerFile(ws)!;
    const acknowledged: string[] = [];
    let failed = 0;
    let stop = false;
    const lanes = Array.from({ length: 8 }, async (_, lane) => {
      for (let i = 0; !stop; i++) {
        const answer = await createTask(client, `lane${lane} #${i}`);
        if (answer.isError) failed++;
        else acknowledged.push(answer.data.id);
      }
    });
    await waitFor(() => acknowledged.length >= 200, 20_000, '200 creates');
    process.kill(before.pid, 'SIGKILL');
    const killedAt = acknowledged.length;
    await waitFor(() => acknowledged.length >= killedAt + 200, 30_000, '200 creates after the restart');
    stop = true;
    await Promise.all(lanes);

    const after = readServerFile(ws)!;
    expect(after.pid).not.toBe(before.pid);
    expect(after.url).toBe(before.url);
    const http = httpHelper(after.url);
    const stored = new Set<string>();
    for (let cursor: string | null = null; ; ) {
      const page: any = (await http('GET', `/api/tasks?limit=500${cursor ? `&cursor=${cursor}` : ''}`)).body;
      for (const item of page.items) stored.add(item.id);
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect(new Set(acknowledged).size).toBe(acknowledged.length);
    expect((await createTask(client, 'after the crash')).isError).toBe(false);
    console.info(
      `kill -9 mid-burst: ${acknowledged.length} acknowledged, ${failed} failed during the restart`,
    );
  }, 60_000);

  it('closing stdin of both MCP processes stops the backend within the grace period and removes server.json', async () => {
    const ws = workspace();
    const a = await mcp(ws);
    const b = await mcp(ws);
    await ok(a.client, 'list_roles');
    const { pid } = readServerFile(ws)!;
    await a.client.close();
    await new Promise((r) => setTimeout(r, GRACE_MS * 2));
    expect(isAlive(pid)).toBe(true); // b still uses it
    const leaving = Date.now(); // before b's lease goes, so the backend cannot be gone sooner than the grace
    await b.client.close();
    await waitFor(() => !isAlive(pid), GRACE_MS + 5_000, 'the backend to stop');
    expect(Date.now() - leaving).toBeGreaterThanOrEqual(GRACE_MS);
    expect(existsSync(managerPaths(ws).serverFile)).toBe(false);
  });

  it('an MCP process killed with -9 does not keep the backend alive', async () => {
    const ws = workspace();
    const a = await mcp(ws);
    const b = await mcp(ws);
    const { pid } = readServerFile(ws)!;
    process.kill(a.transport.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, GRACE_MS * 2));
    expect(isAlive(pid)).toBe(true);
    expect((await call(b.client, 'list_roles')).isError).toBe(false);
    process.kill(b.transport.pid!, 'SIGKILL');
    await waitFor(() => !isAlive(pid), GRACE_MS + 5_000, 'the backend to stop');
    expect(readServerFile(ws)).toBeNull();
  });

  it('a stale server.json is replaced; a foreign program on BINDERY_PORT is one line naming the port', async () => {
    const ws = workspace();
    writeJsonAtomic(managerPaths(ws).serverFile, {
      pid: 2 ** 22 + 17,
      port: 1,
      url: 'http://127.0.0.1:1',
      version: '0.0.1',
      workspace: ws,
      started_at: new Date().toISOString(),
      managed: true,
    });
    const { client } = await mcp(ws);
    expect((await createTask(client, 'after a stale file')).isError).toBe(false);
    expect(readServerFile(ws)!.pid).not.toBe(2 ** 22 + 17);

    const foreign = createServer((_req, res) => res.end('not bindery'));
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => foreign.close(() => r())));
    const port = (foreign.address() as { port: number }).port;
    const run = await runCli(['mcp'], {
      BINDERY_WORKSPACE: workspace(),
      BINDERY_PORT: String(port),
      BINDERY_URL: '',
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      `bindery: Port ${port} (BINDERY_PORT) is in use by another program, not by this workspace's Bindery: ` +
        'set BINDERY_PORT to a free port, or unset it to let Bindery pick one.',
    ]);
  });
});
