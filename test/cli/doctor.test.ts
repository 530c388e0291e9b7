import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestSchema } from '../helpers/postgres.js';
import { runCli, spawnServe } from '../helpers/process.js';
import { httpHelper } from '../helpers/server.js';
import { tempWorkspace } from '../helpers/workspace.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function workspace(): string {
  const ws = tempWorkspace('bindery-doctor-');
  cleanups.push(ws.remove);
  return ws.dir;
}

interface Check {
  name: string;
  verdict: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

async function doctor(env: Record<string, string>) {
  const run = await runCli(['doctor', '--json'], env);
  const checks = JSON.parse(run.stdout).checks as Check[];
  return { code: run.code, check: (name: string) => checks.find((c) => c.name === name) };
}

describe('bindery doctor', () => {
  it('passes on a fresh workspace, naming what is created at first start', async () => {
    const ws = workspace();
    const run = await runCli(['doctor'], { BINDERY_WORKSPACE: ws });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok {3}node {11}Node \d+\.\d+\.\d+$/m);
    expect(run.stdout).toContain(
      `ok   store          ${join(ws, '.vespera/tasks.db')} is created at first start`,
    );
    expect(run.stdout).toMatch(/^ok {3}backend .*no backend is running/m);
  });

  it('checks a running backend and its store, and warns about files other users can read', async () => {
    const ws = workspace();
    // On SQLite, whichever store this test run is for: the file's permissions are what is checked.
    const server = await spawnServe(ws, { BINDERY_DATABASE_URL: '' });
    cleanups.push(() => server.proc.kill('SIGKILL'));
    await httpHelper(server.url)('POST', '/api/tasks', { title: 'held' });
    chmodSync(join(ws, '.vespera/tasks.db'), 0o644);
    const { code, check } = await doctor({ BINDERY_WORKSPACE: ws });
    expect(code).toBe(0);
    expect(check('backend')).toMatchObject({
      verdict: 'ok',
      detail: `${server.url} (healthy, found by server.json)`,
    });
    expect(check('store')?.detail).toMatch(/: intact, schema \d+$/);
    expect(check('files')).toMatchObject({ verdict: 'warn', detail: expect.stringContaining('tasks.db') });
    expect(check('files')?.fix).toContain('chmod 600');
    expect(check('log')?.detail).toContain('server.log (');
    expect(check('disk')?.detail).toMatch(/MB free/);
  });

  it('fails on a bad setting or roles file, naming it, and on a database or Redis it cannot reach', async () => {
    const ws = workspace();
    const bad = await doctor({ BINDERY_WORKSPACE: ws, BINDERY_PORT: 'abc' });
    expect(bad.code).toBe(1);
    expect(bad.check('settings')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringContaining('BINDERY_PORT'),
    });
    mkdirSync(join(ws, '.vespera'), { recursive: true });
    writeFileSync(join(ws, '.vespera/roles.json'), '{"roles": [{"name": 7}]}');
    const roles = await doctor({ BINDERY_WORKSPACE: ws });
    expect(roles.code).toBe(1);
    expect(roles.check('roles')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringContaining('roles.json'),
    });
    rmSync(join(ws, '.vespera/roles.json'));
    const unreachable = await doctor({
      BINDERY_WORKSPACE: ws,
      BINDERY_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test',
      BINDERY_REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.check('store')).toMatchObject({
      verdict: 'fail',
      fix: expect.stringContaining('BINDERY_DATABASE_URL'),
    });
    expect(unreachable.check('redis')).toMatchObject({ verdict: 'warn' });
  }, 60_000);

  it('reads the schema version of a PostgreSQL store a server made', async () => {
    const schema = await createTestSchema();
    cleanups.push(() => schema.drop());
    const ws = workspace();
    const server = await spawnServe(ws, { BINDERY_DATABASE_URL: schema.url });
    server.proc.kill('SIGTERM');
    await server.exited;
    const { code, check } = await doctor({ BINDERY_WORKSPACE: ws, BINDERY_DATABASE_URL: schema.url });
    expect(code).toBe(0);
    expect(check('store')).toMatchObject({
      verdict: 'ok',
      detail: expect.stringMatching(/: intact, schema \d+$/),
    });
    expect(check('store')?.detail).not.toContain('password');
  }, 60_000);
});
