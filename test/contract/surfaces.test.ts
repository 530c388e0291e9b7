/**
 * Every operation of the table, on every surface: REST, JSON-RPC, the BinderyClient and MCP, against one
 * real server. Driven by the operation table, so a new operation fails here until each surface has it (or
 * the MCP table below says, with the reason, why it has no tool).
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinderyClient } from '../../src/client/index.js';
import {
  type BinderyApi,
  isOperationName,
  OPERATION_NAMES,
  type OperationName,
  operations,
  requestFromInput,
} from '../../src/contract/index.js';
import { liveIds, SAMPLE_INPUTS, type SampleIds } from '../helpers/operations.js';
import { useTestServer } from '../helpers/server.js';
import { inMemoryClient, ok } from '../mcp/helpers.js';

type Input = Record<string, unknown>;
type McpRoute = { tool: string; args?: (input: Input) => Input } | { none: string };

/** Splits an input into the tool's id parameters and its one object parameter. */
const nested =
  (param: string, ...ids: string[]) =>
  (input: Input): Input => {
    const rest = { ...input };
    const top: Input = {};
    for (const id of ids) {
      top[id] = rest[id];
      delete rest[id];
    }
    return { ...top, [param]: rest };
  };

/**
 * The MCP tool of each operation and how its input becomes the tool's arguments (the tool names and
 * parameters are fixed for clients: docs/mcp.md). `none` lists an operation that deliberately has no tool
 * yet, with the reason; delete an entry once its tool exists.
 */
const MCP: Record<OperationName, McpRoute> = {
  create_task: { tool: 'create_task', args: nested('task_input') },
  get_task: { tool: 'get_task' },
  list_tasks: { tool: 'list_tasks' },
  list_children: { tool: 'list_children' },
  update_task: { tool: 'update_task', args: nested('task_update', 'task_id') },
  delete_task: { tool: 'delete_task' },
  complete_task: { tool: 'complete_task' },
  execute_task: { tool: 'execute_task' },
  assign_role_to_task: { tool: 'assign_role_to_task' },
  list_roles: { tool: 'list_roles' },
  update_tasks: { tool: 'update_tasks' },
  complete_tasks: { tool: 'complete_tasks' },
  import_plan: { tool: 'import_plan' },
  export_plan: { tool: 'export_plan' },
  next_task: { tool: 'next_task' },
  heartbeat_execution: { tool: 'heartbeat_execution' },
  list_executions: { tool: 'list_executions' },
  create_project: { tool: 'create_project', args: nested('project_input') },
  get_project: { tool: 'get_project' },
  list_projects: { tool: 'list_projects' },
  update_project: { tool: 'update_project', args: nested('project_update', 'project_id') },
  delete_project: { tool: 'delete_project' },
  create_note: { tool: 'create_note', args: nested('note_input') },
  get_note: { tool: 'get_note' },
  list_notes: { tool: 'list_notes' },
  update_note: { tool: 'update_note', args: nested('note_update', 'note_id') },
  delete_note: { tool: 'delete_note' },
  index_document: { tool: 'index_document', args: nested('document_input') },
  get_document: { tool: 'get_document' },
  list_documents: { tool: 'list_documents' },
  delete_document: { tool: 'delete_document' },
  search: { tool: 'search_entities', args: nested('search_input') },
  get_task_dashboard: { tool: 'get_dashboard_stats' },
  version_info: { tool: 'version_info' },
  get_health: {
    none: 'health_check reaches it through the client’s health(), past the breaker, not the API',
  },
  get_pool_metrics: { none: 'operator monitoring of the server, not a task for an assistant' },
  get_pool_health: { none: 'operator monitoring of the server, not a task for an assistant' },
  list_changes: {
    none: 'the change feed is for caches and boards; MCP resources will carry it to assistants',
  },
  get_history: { tool: 'get_history' },
  create_token: { none: 'agents do not mint credentials: tokens are made at the machine or by an admin' },
  list_tokens: { none: 'token management is for admins (CLI, REST), not assistants' },
  revoke_token: { none: 'token management is for admins (CLI, REST), not assistants' },
  get_access: { none: 'bindery mcp reads it to list only the tools its token may call' },
};

// The samples create named tokens, after which every request needs a credential: the root token it is.
const ROOT = 'surfaces-root-token';
const AUTH = { authorization: `Bearer ${ROOT}` };
const t = useTestServer({ env: { BINDERY_TOKEN: ROOT } });
let client: BinderyClient;
let ids: SampleIds;
let mcp: Client;
/** Operations the MCP tools called, in order. */
const called: OperationName[] = [];

beforeAll(async () => {
  client = new BinderyClient({ url: t.url, token: ROOT });
  ids = liveIds(client);
  // The MCP server runs its tools over the real client; the proxy records which operation each one calls.
  const recording = new Proxy(client, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || !isOperationName(key)) return value;
      return (input: unknown) => {
        called.push(key);
        return (value as (input: unknown) => Promise<unknown>).call(target, input);
      };
    },
  }) as BinderyApi;
  mcp = await inMemoryClient(recording);
});
afterAll(async () => {
  await mcp.close();
  await client.close();
});

describe.each(OPERATION_NAMES)('%s', (name) => {
  const { http } = operations[name];

  it('answers over REST at its route', async () => {
    const input = (await SAMPLE_INPUTS[name](ids)) as Input;
    const request = requestFromInput(http, input);
    const res = await t.http(request.method, request.path, request.body, AUTH);
    expect(res.status, JSON.stringify(res.body)).toBe(http.status ?? 200);
    expect(operations[name].output.safeParse(res.body).success).toBe(true);
  });

  it('answers over JSON-RPC under its name', async () => {
    const params = await SAMPLE_INPUTS[name](ids);
    const res = await t.http('POST', '/rpc', { jsonrpc: '2.0', id: 1, method: name, params }, AUTH);
    expect(res.body.error, JSON.stringify(res.body.error)).toBeUndefined();
    expect(operations[name].output.safeParse(res.body.result).success).toBe(true);
  });

  it('is a method of the BinderyClient', async () => {
    const input = await SAMPLE_INPUTS[name](ids);
    const call = client[name] as (input: unknown) => Promise<unknown>;
    expect(operations[name].output.safeParse(await call(input)).success).toBe(true);
  });

  const route = MCP[name];
  if ('none' in route) {
    it(`has no MCP tool: ${route.none}`, async () => {
      const { tools } = await mcp.listTools();
      // A tool named after the operation means the exception above is out of date.
      expect(tools.map((tool) => tool.name)).not.toContain(name);
    });
  } else {
    it(`is reached by the MCP tool ${route.tool}`, async () => {
      const input = (await SAMPLE_INPUTS[name](ids)) as Input;
      called.length = 0;
      await ok(mcp, route.tool, (route.args ?? ((same) => same))(input));
      expect(called).toEqual([name]);
    });
  }
});
