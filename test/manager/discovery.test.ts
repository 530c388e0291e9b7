import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { writeJsonAtomic } from '../../src/manager/atomic-file.js';
import { ensureBackend, readServerFile } from '../../src/manager/index.js';
import { managerPaths } from '../../src/runtime/workspace.js';
import { spawnServe } from '../helpers/process.js';
import { fastEnv, onCleanup, workspace } from './support.js';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as { port: number }).port;
}

/** An HTTP program that is not Bindery. */
function foreignHttp(): Promise<number> {
  return listen(createHttpServer((_req, res) => res.end('hello from something else')) as unknown as Server);
}

/** A non-HTTP program (reads, so it notices the client hanging up). */
function speakSsh(socket: Socket): void {
  socket.resume();
  socket.end('SSH-2.0-OpenSSH_9.6\r\n');
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the manager to fail');
}

function writeStale(ws: string, pid: number, port: number): void {
  writeJsonAtomic(managerPaths(ws).serverFile, {
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    version: '0.0.1',
    workspace: ws,
    started_at: new Date().toISOString(),
    managed: true,
  });
}

describe('manager: discovery', () => {
  it('replaces a server.json whose process is gone', async () => {
    const ws = workspace();
    writeStale(ws, 2 ** 22 + 17, 1);
    const backend = await ensureBackend({ workspace: ws, env: fastEnv() });
    onCleanup(() => backend.release());
    expect(backend.launched).toBe(true);
    expect(readServerFile(ws)!.pid).toBe(backend.info.pid);
  });

  it('replaces a server.json whose port is held by another program', async () => {
    const ws = workspace();
    const port = await foreignHttp();
    writeStale(ws, process.pid, port); // a live pid, as after pid reuse
    const backend = await ensureBackend({ workspace: ws, env: fastEnv() });
    onCleanup(() => backend.release());
    expect(backend.launched).toBe(true);
    expect(backend.info.port).not.toBe(port);
  });

  it('BINDERY_PORT held by another program: one line naming the port and BINDERY_PORT', async () => {
    for (const port of [await foreignHttp(), await listen(createServer(speakSsh))]) {
      const ws = workspace();
      const env = fastEnv({ BINDERY_PORT: String(port) });
      const error = await failure(ensureBackend({ workspace: ws, env }));
      expect(error).toMatchObject({ code: 'connection_error' });
      expect(error.message).toBe(
        `Port ${port} (BINDERY_PORT) is in use by another program, not by this workspace's Bindery: ` +
          'set BINDERY_PORT to a free port, or unset it to let Bindery pick one.',
      );
      expect(readServerFile(ws)).toBeNull();
    }
  });

  it('BINDERY_PORT held by the Bindery of another workspace names that workspace', async () => {
    const other = await spawnServe(workspace());
    onCleanup(() => void other.proc.kill('SIGKILL'));
    const port = new URL(other.url).port;
    const error = await failure(
      ensureBackend({ workspace: workspace(), env: fastEnv({ BINDERY_PORT: port }) }),
    );
    expect(error.message).toMatch(
      new RegExp(`^Port ${port} \\(BINDERY_PORT\\) is in use by a Bindery server for /`),
    );
  });

  it("BINDERY_PORT: launches there when it is free; attaches to this workspace's own server there", async () => {
    const ws = workspace();
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const freePort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const launched = await ensureBackend({ workspace: ws, env: fastEnv({ BINDERY_PORT: String(freePort) }) });
    onCleanup(() => launched.release());
    expect(launched).toMatchObject({ launched: true, url: `http://127.0.0.1:${freePort}` });

    const manual = workspace();
    const serve = await spawnServe(manual);
    onCleanup(() => void serve.proc.kill('SIGKILL'));
    const attached = await ensureBackend({
      workspace: manual,
      env: fastEnv({ BINDERY_PORT: new URL(serve.url).port }),
    });
    onCleanup(() => attached.release());
    expect(attached.launched).toBe(false);
    expect(attached.info.pid).toBe(serve.proc.pid);
    expect(readServerFile(manual)).toMatchObject({ pid: serve.proc.pid, managed: false });
  });
});
