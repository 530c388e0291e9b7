import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ensureBackend, isAlive, managerPaths, readServerFile } from '../../src/manager/index.js';
import { httpHelper } from '../helpers/server.js';
import { spawnClient } from './client-process.js';
import { FAST, fastEnv, onCleanup, waitFor, workspace } from './support.js';

const GRACE_MS = Number(FAST.BINDERY_IDLE_GRACE_S) * 1000;

describe('manager: lifetime', () => {
  it('the backend stops once the last process leaves, after the grace period, and removes server.json', async () => {
    const ws = workspace();
    const a = spawnClient(ws, FAST);
    const b = spawnClient(ws, FAST);
    onCleanup(() => void a.proc.kill('SIGKILL'));
    onCleanup(() => void b.proc.kill('SIGKILL'));
    const [readyA, readyB] = await Promise.all([a.next('ready'), b.next('ready')]);
    expect(readyA.pid).toBe(readyB.pid);
    const pid: number = readyA.pid;

    a.proc.stdin!.end();
    expect(await a.exited).toBe(0);
    // B still holds its lease: the backend outlives A by far more than the grace period.
    await new Promise((r) => setTimeout(r, GRACE_MS * 2));
    expect(isAlive(pid)).toBe(true);

    const leaving = Date.now(); // before B's lease goes, so the backend cannot be gone sooner than the grace
    b.proc.stdin!.end();
    expect(await b.exited).toBe(0);
    await waitFor(() => !isAlive(pid), GRACE_MS + 5_000, 'the backend to stop');
    expect(Date.now() - leaving).toBeGreaterThanOrEqual(GRACE_MS);
    expect(existsSync(managerPaths(ws).serverFile)).toBe(false);
    expect(existsSync(managerPaths(ws).lockFile)).toBe(false);
  });

  it('a client killed with -9 does not keep the backend alive', async () => {
    const ws = workspace();
    const client = spawnClient(ws, FAST);
    const { pid } = await client.next('ready');
    client.proc.kill('SIGKILL');
    await client.exited;
    await waitFor(() => !isAlive(pid), GRACE_MS + 5_000, 'the backend to stop');
    expect(readServerFile(ws)).toBeNull();
  });

  it('a backend killed with -9 is restarted on the same URL and keeps its data', async () => {
    const ws = workspace();
    const backend = await ensureBackend({ workspace: ws, env: fastEnv() });
    onCleanup(() => backend.release());
    const http = httpHelper(backend.url);
    const created = (await http('POST', '/api/tasks', { title: 'before the crash' })).body;
    const restarted = new Promise((r) => backend.onRestart(r));
    const first = backend.info;

    process.kill(first.pid, 'SIGKILL');
    const took = Date.now();
    await restarted;
    expect(Date.now() - took).toBeLessThan(10_000);
    expect(backend.info.pid).not.toBe(first.pid);
    expect(backend.url).toBe(first.url);
    expect(readServerFile(ws)!.pid).toBe(backend.info.pid);
    expect(backend.status()).toMatchObject({ state: 'running', restarts: 1 });
    expect((await http('GET', `/api/tasks/${created.id}`)).body.title).toBe('before the crash');
  });

  it('a backend that lives but stops answering (SIGSTOP) is killed and restarted, keeping its data', async () => {
    const ws = workspace();
    const backend = await ensureBackend({
      workspace: ws,
      env: fastEnv(),
      restartPolicy: { pollMs: 50, healthEveryMs: 200, healthTimeoutMs: 1_000, maxSilentProbes: 3 },
    });
    onCleanup(() => backend.release());
    const http = httpHelper(backend.url);
    const created = (await http('POST', '/api/tasks', { title: 'before the hang' })).body;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(backend.status().restarts).toBe(0); // answering backends are probed, not killed

    const restarted = new Promise((r) => backend.onRestart(r));
    const hung = backend.info;
    process.kill(hung.pid, 'SIGSTOP');
    await restarted;
    expect(isAlive(hung.pid)).toBe(false);
    expect(backend.info.pid).not.toBe(hung.pid);
    expect(backend.url).toBe(hung.url);
    expect(backend.status()).toMatchObject({ state: 'running', restarts: 1 });
    expect((await http('GET', `/api/tasks/${created.id}`)).body.title).toBe('before the hang');
  });

  it('gives up with a connection_error after repeated crashes within the window', async () => {
    const ws = workspace();
    const backend = await ensureBackend({
      workspace: ws,
      env: fastEnv(),
      restartPolicy: { maxCrashes: 2, baseDelayMs: 50, pollMs: 50 },
    });
    onCleanup(() => backend.release());
    const failed = new Promise<Error>((r) => backend.onFailure(r));
    for (let crash = 0; crash < 3; crash++) {
      const { pid } = backend.info;
      process.kill(pid, 'SIGKILL');
      if (crash < 2) await new Promise((r) => backend.onRestart(r));
    }
    const error = await failed;
    expect(error).toMatchObject({ code: 'connection_error' });
    expect(error.message).toContain('stopped 3 times within 60 s');
    expect(backend.status().state).toBe('failed');
  });
});
