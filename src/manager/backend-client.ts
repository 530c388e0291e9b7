import type { BinderyClient, ClientStats } from '../client/index.js';
import type { BinderyApi, ServerHealth } from '../contract/index.js';
import type { Backend } from './manager.js';

/** What an MCP server needs of its backend connection, managed or not. */
export interface BackendConnection {
  /** The operations; for a managed backend, always those of its current client. */
  api: BinderyApi;
  readonly url: string;
  health(): Promise<ServerHealth>;
  stats(): ClientStats;
  close(): Promise<void>;
}

/**
 * A connection to a managed backend. A call made while the supervisor restarts the backend waits for it
 * instead of failing. After a restart, calls go through a fresh client: its circuit breaker — opened by
 * the calls that failed during the crash — starts closed, its cache holds nothing from before, and a
 * changed URL is followed. Once the supervisor has given up, every call fails at once with its
 * `connection_error`, which says why.
 */
export function followBackend(
  backend: Backend,
  makeClient: (url: string) => BinderyClient,
): BackendConnection {
  let client = makeClient(backend.url);
  backend.onRestart((info) => {
    const previous = client;
    client = makeClient(info.url);
    void previous.close(); // lets its calls in flight finish
  });
  const operation = (name: string | symbol) => async (input: unknown) => {
    await backend.ready();
    return (Reflect.get(client, name) as (input: unknown) => Promise<unknown>)(input);
  };
  const api = new Proxy({} as BinderyApi, {
    get: (_target, name) => (typeof Reflect.get(client, name) === 'function' ? operation(name) : undefined),
  });
  return {
    api,
    get url() {
      return backend.url;
    },
    health: () => (backend.failure ? Promise.reject(backend.failure) : client.health()),
    stats: () => client.stats(),
    close: () => {
      backend.release();
      return client.close();
    },
  };
}
