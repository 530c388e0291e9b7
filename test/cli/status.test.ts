import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, runCli, spawnServe } from '../helpers/process.js';
import { httpHelper } from '../helpers/server.js';
import { tempWorkspace } from '../helpers/workspace.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function workspace(): string {
  const ws = tempWorkspace('bindery-status-');
  cleanups.push(ws.remove);
  return ws.dir;
}

describe('bindery status', () => {
  it('reports a running backend: URL, pid, version, health, store, counts; exit 0', async () => {
    const ws = workspace();
    const server = await spawnServe(ws);
    cleanups.push(() => server.proc.kill('SIGKILL'));
    const http = httpHelper(server.url);
    for (let i = 0; i < 3; i++) await http('POST', '/api/tasks', { title: `t${i}` });
    await http('POST', '/api/projects', { name: 'p' });
    await http('POST', '/api/rag/index', { title: 'd', content: '# Doc\n\nbody', document_type: 'markdown' });

    const text = await runCli(['status'], { BINDERY_WORKSPACE: ws });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Workspace  ${ws} (BINDERY_WORKSPACE)`);
    expect(text.stdout).toContain(`Backend    ${server.url} (pid ${server.proc.pid}, started by hand`);
    expect(text.stdout).toMatch(/Health {5}healthy\n/);
    expect(text.stdout).toMatch(/Version {4}\d+\.\d+\.\d+ \(sqlite schema \d+\)/);
    expect(text.stdout).toContain(`Store      sqlite ${join(ws, '.vespera/tasks.db')} (`);
    expect(text.stdout).toContain('Contents   3 tasks, 1 project, 1 document');
    expect(text.stdout).not.toContain('\u001b['); // not a TTY: no colours

    const json = JSON.parse((await runCli(['status', '--json'], { BINDERY_WORKSPACE: ws })).stdout);
    expect(json).toMatchObject({
      workspace: ws,
      backend: {
        url: server.url,
        pid: server.proc.pid,
        health: 'healthy',
        managed: false,
        found_by: 'server.json',
      },
      counts: { tasks: 3, projects: 1, documents: 1 },
      version_info: { store: 'sqlite' },
    });
    expect(json.store.size_bytes).toBeGreaterThan(0);
  });

  it('reports a stopped backend and exits 1', async () => {
    const ws = workspace();
    const server = await spawnServe(ws);
    server.proc.kill('SIGTERM');
    await server.exited;
    const result = await runCli(['status'], { BINDERY_WORKSPACE: ws });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('no backend is running for this workspace (no server.json)');
    expect(result.stdout).toContain('let "bindery mcp" launch it');

    const killed = await spawnServe(ws);
    killed.proc.kill('SIGKILL');
    await killed.exited;
    const stale = await runCli(['status', '--json'], { BINDERY_WORKSPACE: ws });
    expect(stale.code).toBe(1);
    expect(JSON.parse(stale.stdout)).toMatchObject({
      backend: null,
      problem: `no backend is running for this workspace (stale server.json: ignored ${join(ws, '.vespera', 'server.json')}: process ${killed.proc.pid} named in it is gone)`,
    });
  });

  it('shows how the workspace was detected (docs/manager.md)', async () => {
    const root = workspace();
    mkdirSync(join(root, '.git'));
    mkdirSync(join(root, 'src/deep'), { recursive: true });
    const env = { ...process.env, BINDERY_WORKSPACE: '' };
    const result = await runCliIn(join(root, 'src/deep'), ['status', '--json'], env);
    expect(JSON.parse(result).workspace).toBe(root);
    expect(JSON.parse(result).workspace_source).toBe('.git/ found');
    const flagged = JSON.parse(await runCliIn(root, ['status', '--json', '--workspace', 'src'], env));
    expect(flagged).toMatchObject({ workspace: join(root, 'src'), workspace_source: '--workspace' });
  });

  it('--help, and usage with exit 2 for unknown flags', async () => {
    const help = await runCli(['status', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: bindery status');
    const bad = await runCli(['status', '--verbose']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage: bindery');
    const top = await runCli(['--help']);
    expect(top.stdout).toContain('status');
  });
});

/** The CLI's stdout when run from `cwd` (workspace detection starts there). */
function runCliIn(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env }, (_error, stdout) => done(stdout));
  });
}
