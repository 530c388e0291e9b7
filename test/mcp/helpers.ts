import { Client, InMemoryTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import pino from 'pino';
import { expect } from 'vitest';
import { BINDERY_VERSION, type BinderyApi } from '../../src/contract/index.js';
import { SecurityCounters } from '../../src/mcp/security/index.js';
import { createMcpServer, type ToolSelection } from '../../src/mcp/server.js';
import { dataDir } from '../../src/runtime/workspace.js';
import { RoleRegistry } from '../../src/service/roles.js';
import { createService } from '../../src/service/service.js';
import { openStore, type Store } from '../../src/store/index.js';
import { CLI } from '../helpers/process.js';
import { tempWorkspace } from '../helpers/workspace.js';

/** The fourteen tools every Bindery has, by their fixed names. */
export const SEED_TOOLS = [
  'create_task',
  'get_task',
  'update_task',
  'list_tasks',
  'create_project',
  'get_dashboard_stats',
  'search_entities',
  'delete_task',
  'complete_task',
  'execute_task',
  'assign_role_to_task',
  'list_roles',
  'index_document',
  'health_check',
];

export interface ToolAnswer {
  isError: boolean;
  data: any;
}

/** A connected client that has listed the tools, so it validates every result against its outputSchema. */
async function ready(client: Client): Promise<Client> {
  await client.listTools();
  return client;
}

/** Client options; `{versionNegotiation: {mode: {pin: '2026-07-28'}}}` speaks the 2026-07-28 era. */
export type ClientOptions = ConstructorParameters<typeof Client>[1];

export async function httpClient(baseUrl: string, options?: ClientOptions): Promise<Client> {
  const client = new Client({ name: 'bindery-test', version: '1.0.0' }, options);
  await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)));
  return ready(client);
}

/** Spawns the built `bindery mcp` with the given environment (BINDERY_URL among it). */
export async function stdioClient(
  env: Record<string, string>,
  name = 'bindery-test',
  options?: ClientOptions,
): Promise<{ client: Client; stderr: () => string; pid: () => number | null }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp'],
    env: {
      ...(process.env as Record<string, string>),
      BINDERY_LOG_LEVEL: 'warn',
      BINDERY_TOOLS: 'all',
      ...env,
    },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name, version: '1.0.0' }, options);
  await client.connect(transport);
  return { client: await ready(client), stderr: () => stderr, pid: () => transport.pid };
}

/** The in-process service over a fresh SQLite workspace. */
export async function inProcessApi(): Promise<{ api: BinderyApi; store: Store; close: () => Promise<void> }> {
  const ws = tempWorkspace();
  const store = await openStore({ workspace: ws.dir });
  const api = createService({
    store,
    roles: RoleRegistry.forWorkspace(dataDir(ws.dir)),
    version: BINDERY_VERSION,
    workspace: ws.dir,
  });
  return {
    api,
    store,
    close: async () => {
      await store.close();
      ws.remove();
    },
  };
}

export interface InMemoryOptions {
  policy?: 'flag' | 'strip' | 'reject';
  production?: boolean;
  includeMetrics?: boolean;
  tools?: ToolSelection;
}

/** An MCP client and server in this process over the SDK's InMemoryTransport: the fast path for many calls. */
export async function inMemoryClient(api: BinderyApi, options: InMemoryOptions = {}): Promise<Client> {
  const server = createMcpServer(api, {
    logger: pino({ level: 'silent' }),
    probe: {
      transport: 'streamable-http',
      backendUrl: null,
      backendHealth: async () => ({ status: 'healthy' }),
      clientStats: () => null,
    },
    security: { policy: options.policy ?? 'flag', counters: new SecurityCounters() },
    production: options.production ?? false,
    includeMetrics: options.includeMetrics ?? false,
    startedAt: Date.now(),
    ...(options.tools ? { tools: options.tools } : {}),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'bindery-test', version: '1.0.0' });
  await client.connect(clientSide);
  return ready(client);
}

/**
 * One tool call, checked for the shape every result has: structuredContent, and the same JSON as the
 * single text block.
 */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<ToolAnswer> {
  const result = await client.callTool({ name, arguments: args });
  expect(result.structuredContent).toBeTypeOf('object');
  expect(result.content).toEqual([{ type: 'text', text: JSON.stringify(result.structuredContent) }]);
  return { isError: result.isError === true, data: result.structuredContent };
}

/** A call that must succeed; returns its structured result. */
export async function ok(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const answer = await call(client, name, args);
  if (answer.isError) throw new Error(`${name} failed: ${JSON.stringify(answer.data)}`);
  return answer.data;
}

/** A call that must fail with the given §4 code; returns the structured error. */
export async function fails(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  code: string,
): Promise<any> {
  const answer = await call(client, name, args);
  expect(answer.isError, JSON.stringify(answer.data)).toBe(true);
  expect(answer.data).toMatchObject({ success: false, error_code: code, operation: name });
  expect(answer.data.error).toBeTypeOf('string');
  return answer.data;
}

/** A task tree `depth` levels below the root (root = level 0), one child per level. */
export function chain(depth: number, title = 'level'): Record<string, unknown> {
  let node: Record<string, unknown> = { title: `${title} ${depth}` };
  for (let level = depth - 1; level >= 0; level--) node = { title: `${title} ${level}`, subtasks: [node] };
  return node;
}
