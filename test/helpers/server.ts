import { type ServerConfig, serverConfig } from '../../src/cli/config.js';
import { type RunningServer, startServer } from '../../src/cli/serve.js';
import { tempWorkspace } from './workspace.js';

export interface TestServer {
  url: string;
  workspace: string;
  server: RunningServer;
  http: HttpHelper;
  /** Stops the server; the workspace stays for a restart unless `remove` is called. */
  stop: () => Promise<void>;
  remove: () => void;
}

/**
 * A real Bindery server on a free 127.0.0.1 port over a real SQLite file in a temp workspace
 * (or the given one, to test restarts).
 */
export async function startTestServer(
  options: { workspace?: string; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const ws = options.workspace ? { dir: options.workspace, remove: () => {} } : tempWorkspace();
  const config: ServerConfig = serverConfig({
    BINDERY_PORT: '0',
    BINDERY_LOG_LEVEL: 'silent',
    BINDERY_WORKSPACE: ws.dir,
    ...options.env,
  });
  const server = await startServer(config, ws.dir);
  return {
    url: server.url,
    workspace: server.workspace,
    server,
    http: httpHelper(server.url),
    stop: () => server.app.close(),
    remove: ws.remove,
  };
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

/** Real HTTP requests (fetch over a socket); JSON bodies in and out. */
export function httpHelper(baseUrl: string): HttpHelper {
  return async (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the raw text for non-JSON answers
    }
    return { status: response.status, headers: response.headers, body: parsed as any };
  };
}
