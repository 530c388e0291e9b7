import { request } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { type ServerConfig, serverConfig } from '../../src/cli/config.js';
import { type RunningServer, startServer } from '../../src/cli/serve.js';
import { databaseUrlFor, dropWorkspaceSchema } from './postgres.js';
import { tempWorkspace } from './workspace.js';

export interface TestServer {
  url: string;
  workspace: string;
  /** The PostgreSQL database (a schema of this test run) the server uses; undefined on SQLite. */
  databaseUrl: string | undefined;
  server: RunningServer;
  http: HttpHelper;
  /** Stops the server; the workspace (and its database) stays for a restart unless `remove` is called. */
  stop: () => Promise<void>;
  remove: () => Promise<void>;
}

/**
 * A real Bindery server on a free 127.0.0.1 port over a temp workspace (or the given one, to test
 * restarts), on the store under test: a real SQLite file, or a fresh PostgreSQL schema when the
 * `postgres` project runs (BINDERY_TEST_STORE=postgres).
 */
export async function startTestServer(
  options: {
    workspace?: string;
    env?: Record<string, string>;
    /** Adjusts what the environment cannot express (a test-sized window or bound). */
    configure?: (config: ServerConfig) => void;
  } = {},
): Promise<TestServer> {
  const ws = options.workspace ? { dir: options.workspace, remove: () => {} } : tempWorkspace();
  const databaseUrl = options.env?.BINDERY_DATABASE_URL ?? (await databaseUrlFor(ws.dir));
  const config: ServerConfig = serverConfig({
    BINDERY_PORT: '0',
    BINDERY_LOG_LEVEL: 'silent',
    BINDERY_WORKSPACE: ws.dir,
    BINDERY_DATABASE_URL: databaseUrl,
    // In-process servers share the test runner's event loop, whose lag says nothing about the server:
    // load shedding is tested on spawned servers (test/server/limits.test.ts).
    BINDERY_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...options.env,
  });
  options.configure?.(config);
  const server = await startServer(config, ws.dir);
  return {
    url: server.url,
    workspace: server.workspace,
    databaseUrl,
    server,
    http: httpHelper(server.url),
    stop: () => server.app.close(),
    remove: async () => {
      ws.remove();
      if (!options.workspace) await dropWorkspaceSchema(ws.dir);
    },
  };
}

/**
 * The real server of a test file: started before its first test, stopped and removed (awaited) after its
 * last. Returns a handle to read from inside tests and hooks; reading it before the server runs throws.
 */
export function useTestServer(options: Parameters<typeof startTestServer>[0] = {}): TestServer {
  let running: TestServer | undefined;
  beforeAll(async () => {
    running = await startTestServer(options);
  });
  afterAll(async () => {
    await running?.stop();
    await running?.remove();
  });
  return new Proxy({} as TestServer, {
    get(_target, key) {
      if (!running) throw new Error('useTestServer: the server starts in beforeAll; read it inside a test.');
      return running[key as keyof TestServer];
    },
  });
}

export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export type HttpHelper = <T = any>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<HttpResponse<T>>;

/** How many tasks (of the newest 500) carry exactly this title: proves a write happened once, or not at all. */
export async function countTasksTitled(http: HttpHelper, title: string): Promise<number> {
  const page = await http('GET', '/api/tasks?limit=500');
  return page.body.items.filter((task: { title: string }) => task.title === title).length;
}

/**
 * Real HTTP requests over a socket with node:http (fetch would refuse to send a forged Host header);
 * JSON bodies in and out.
 */
export function httpHelper(baseUrl: string): HttpHelper {
  return (method, path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const allHeaders: Record<string, string> = { ...headers };
      if (payload !== undefined) allHeaders['content-type'] ??= 'application/json';
      const req = request(`${baseUrl}${path}`, { method, headers: allHeaders, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // keep the raw text for non-JSON answers
          }
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined)
              responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          resolve({ status: res.statusCode ?? 0, headers: responseHeaders, body: parsed as any });
        });
      });
      req.on('error', reject);
      req.end(payload);
    });
}
