import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBackend, isAlive, managerPaths, readServerFile } from '../../src/manager/index.js';
import { httpHelper } from '../helpers/server.js';
import { spawnClient } from './client-process.js';
import { FAST, fastEnv, onCleanup, workspace } from './support.js';

describe('manager: launch and attach', () => {
  it('the first process launches the backend, the second attaches to the same one', async () => {
    const ws = workspace();
    const first = await ensureBackend({ workspace: ws, env: fastEnv() });
    onCleanup(() => first.release());
    expect(first.launched).toBe(true);

    const info = readServerFile(ws)!;
    expect(info).toMatchObject({ pid: first.info.pid, url: first.url, workspace: ws, managed: true });
    expect(info.port).toBeGreaterThan(0);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Date.parse(info.started_at)).not.toBeNaN();

    const second = spawnClient(ws, FAST);
    onCleanup(() => void second.proc.kill('SIGKILL'));
    const ready = await second.next('ready');
    expect(ready).toMatchObject({ event: 'ready', launched: false, pid: info.pid, url: info.url });
    expect(readServerFile(ws)!.pid).toBe(info.pid);

    const health = await httpHelper(first.url)('GET', '/health');
    expect(health.body).toMatchObject({ status: 'healthy', workspace: ws, pid: info.pid });
  });

  it('4 processes starting at the same moment share one backend', async () => {
    const ws = workspace();
    const clients = Array.from({ length: 4 }, () => spawnClient(ws, FAST));
    for (const client of clients) onCleanup(() => void client.proc.kill('SIGKILL'));
    const ready = await Promise.all(clients.map((c) => c.next('ready')));
    expect(ready.map((r) => r.event)).toEqual(['ready', 'ready', 'ready', 'ready']);
    expect(new Set(ready.map((r) => r.pid)).size).toBe(1);
    expect(ready.filter((r) => r.launched)).toHaveLength(1);
    expect(readServerFile(ws)!.pid).toBe(ready[0]!.pid);
    const launches = readFileSync(managerPaths(ws).logFile, 'utf8').match(/starting the backend/g);
    expect(launches).toHaveLength(1);
  });

  it('appends the server log to .vespera/logs/server.log', async () => {
    const ws = workspace();
    const backend = await ensureBackend({ workspace: ws, env: fastEnv() });
    onCleanup(() => backend.release());
    const log = readFileSync(join(ws, '.vespera/logs/server.log'), 'utf8');
    expect(log).toContain('bindery server listening');
    expect(log).toContain(backend.url);
  });

  it('a backend that cannot start fails fast with the last lines of its log', async () => {
    const ws = workspace();
    mkdirSync(join(ws, '.vespera'), { recursive: true });
    writeFileSync(join(ws, '.vespera/roles.json'), '{ not json');
    const started = Date.now();
    const error = await ensureBackend({ workspace: ws, env: fastEnv() }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toMatchObject({ code: 'connection_error' });
    const message = (error as Error).message;
    expect(message).toMatch(/^The Bindery backend \(pid \d+\) exited with code 1 during start-up/);
    expect(message).toContain(managerPaths(ws).logFile);
    expect(message).toContain('roles.json');
    // Nothing is left behind: no lease, no server.json.
    expect(readServerFile(ws)).toBeNull();
  });

  it('a workspace whose .vespera cannot be used is a clear error naming BINDERY_WORKSPACE', async () => {
    const ws = workspace();
    writeFileSync(join(ws, '.vespera'), 'a file, not a directory');
    const error = await ensureBackend({ workspace: ws, env: fastEnv() }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(
      /^Cannot use .*\.vespera \(EEXIST\): is .* the right workspace\? Set BINDERY_WORKSPACE/,
    );
  });

  it('a backend that never gets healthy is stopped, and the error says so with its log', async () => {
    const ws = workspace();
    const hang = join(ws, 'hang.mjs'); // keeps node busy before the CLI ever runs
    writeFileSync(hang, 'setInterval(() => {}, 1000);\nawait new Promise(() => {});\n');
    const env = fastEnv({ NODE_OPTIONS: `--import=${hang}` });
    const error: Error = await ensureBackend({ workspace: ws, env, launchTimeoutMs: 1_000 }).then(
      () => expect.unreachable(),
      (e: Error) => e,
    );
    expect(error.message).toMatch(
      /^The Bindery backend \(pid \d+\) did not become healthy within 1 s\. Last lines/,
    );
    const pid = Number(/pid (\d+)/.exec(error.message)![1]);
    expect(isAlive(pid)).toBe(false);
  });
});
