import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { BinderyClient, type ClientOptions } from '../../src/client/index.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** The real server of the test file; live binding, set once `useProxiedServer`'s beforeAll has run. */
export let server: TestServer;
/** The fault proxy in front of it, reset before every test. */
export let proxy: FaultProxy;
let clients: BinderyClient[] = [];

/**
 * A real Bindery server behind a fault-injecting proxy for the whole test file, and clients through the
 * proxy (with test-sized backoff) closed after every test. Vitest gives every test file its own module.
 */
export function useProxiedServer(): void {
  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startFaultProxy(server.url);
  });
  afterAll(async () => {
    await proxy.close();
    await server.stop();
    await server.remove();
  });
  beforeEach(() => proxy.reset());
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
  });
}

export function proxiedClient(options: Partial<ClientOptions> = {}): BinderyClient {
  const client = new BinderyClient({
    url: proxy.url,
    ...options,
    retry: { baseDelayMs: 1, maxDelayMs: 5, ...options.retry },
  });
  clients.push(client);
  return client;
}
