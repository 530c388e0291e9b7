import { afterAll, beforeAll } from 'vitest';
import { createTestSchema, type TestSchema } from './postgres.js';
import { type ServeProcess, spawnServe } from './process.js';
import { type HttpHelper, httpHelper } from './server.js';
import { tempWorkspace } from './workspace.js';

export interface ServerPair {
  /** The one PostgreSQL schema both servers use. */
  schema: TestSchema;
  /** The two `bindery serve` processes, A then B. */
  servers: [ServeProcess, ServeProcess];
  a: HttpHelper;
  b: HttpHelper;
}

/**
 * Two `bindery serve` processes on one fresh PostgreSQL schema, as behind a load balancer, for the tests of
 * one file: started together (the migration's advisory lock lets one migrate while the other waits), stopped
 * with `stopSignal` after the file, schema dropped; `env` is added to both servers' environment. Read the
 * fields inside tests, once beforeAll has run.
 */
export function useServerPair(
  stopSignal: NodeJS.Signals = 'SIGTERM',
  env: Record<string, string> = {},
): ServerPair {
  const pair = {} as ServerPair;
  const workspaces = [tempWorkspace(), tempWorkspace()];
  beforeAll(async () => {
    pair.schema = await createTestSchema();
    const started = await Promise.all(
      workspaces.map((ws) => spawnServe(ws.dir, { ...env, BINDERY_DATABASE_URL: pair.schema.url })),
    );
    pair.servers = started as [ServeProcess, ServeProcess];
    [pair.a, pair.b] = started.map((server) => httpHelper(server.url)) as [HttpHelper, HttpHelper];
  });
  afterAll(async () => {
    for (const server of pair.servers ?? []) {
      server.proc.kill(stopSignal);
      await server.exited;
    }
    for (const ws of workspaces) ws.remove();
    await pair.schema?.drop();
  });
  return pair;
}
