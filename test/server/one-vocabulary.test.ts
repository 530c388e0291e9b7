/**
 * One vocabulary on MCP, REST and JSON-RPC: the same input (MCP's parameter names) and the same answer for
 * every operation on all three surfaces, and the agent shapes accepted where their meaning is plain
 * (test/contract/surfaces.test.ts checks that every operation is on every surface).
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OperationName, operations } from '../../src/contract/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, httpClient } from '../mcp/helpers.js';

/** Operations whose MCP tool has another name (the tool names are fixed for existing clients). */
const TOOL_NAME: Partial<Record<OperationName, string>> = {
  search: 'search_entities',
  get_task_dashboard: 'get_dashboard_stats',
};

type Surface = 'mcp' | 'rest' | 'rpc';
const SURFACES: Surface[] = ['mcp', 'rest', 'rpc'];

interface Answer {
  ok: boolean;
  /** The result, or the error: `{code, details}` on every surface. */
  body: any;
}

let server: TestServer;
let mcp: Client;

beforeAll(async () => {
  server = await startTestServer();
  mcp = await httpClient(server.url);
});

afterAll(async () => {
  await mcp.close();
  await server.stop();
  await server.remove();
});

/** The MCP tool's parameters → the REST request: path parameters from the input, the rest as body or query. */
function restRequest(name: OperationName, input: Record<string, unknown>) {
  const { method, path } = operations[name].http;
  const rest = { ...input };
  const url = path.replace(/:(\w+)/g, (_m, key: string) => {
    const value = String(rest[key]);
    delete rest[key];
    return value;
  });
  if (method === 'GET' || method === 'DELETE') {
    const query = new URLSearchParams(Object.entries(rest).map(([k, v]): [string, string] => [k, String(v)]));
    return { method, url: query.size ? `${url}?${query}` : url, body: undefined };
  }
  return { method, url, body: rest };
}

async function send(surface: Surface, name: OperationName, input: Record<string, unknown>): Promise<Answer> {
  if (surface === 'mcp') {
    const answer = await call(mcp, TOOL_NAME[name] ?? name, input);
    if (!answer.isError) return { ok: true, body: answer.data };
    return { ok: false, body: { code: answer.data.error_code, details: answer.data.context?.details } };
  }
  if (surface === 'rest') {
    const { method, url, body } = restRequest(name, input);
    const answer = await server.http(method, url, body);
    if (answer.status < 400) return { ok: true, body: answer.body };
    return { ok: false, body: { code: answer.body.code, details: answer.body.details } };
  }
  const answer = await server.http('POST', '/rpc', { jsonrpc: '2.0', id: 1, method: name, params: input });
  if (answer.body.result) return { ok: true, body: answer.body.result };
  const { code, details } = answer.body.error.data;
  return { ok: false, body: { code, details } };
}

/** The same call on all three surfaces; every answer is returned, keyed by surface. */
async function onEverySurface(name: OperationName, input: (surface: Surface) => Record<string, unknown>) {
  const answers = {} as Record<Surface, Answer>;
  for (const surface of SURFACES) answers[surface] = await send(surface, name, input(surface));
  return answers;
}

const keysOf = (value: object) => Object.keys(value).sort();

describe('the same names and answers on MCP, REST and JSON-RPC', () => {
  it('execute_task and assign_role_to_task take role_name and answer the same shape everywhere', async () => {
    for (const name of ['execute_task', 'assign_role_to_task'] as const) {
      const answers = await onEverySurface(name, () => ({}));
      expect(answers.rest.ok).toBe(false);
      for (const surface of SURFACES) {
        const task = (await send(surface, 'create_task', { task_input: { title: `${name} ${surface}` } }))
          .body;
        const answer = await send(surface, name, { task_id: task.id, role_name: 'implementer' });
        expect(answer.ok, `${surface}: ${JSON.stringify(answer.body)}`).toBe(true);
        expect(answer.body).toMatchObject({ success: true, task_id: task.id, role_assigned: 'implementer' });
        answers[surface] = answer;
      }
      expect(keysOf(answers.rest.body)).toEqual(keysOf(answers.mcp.body));
      expect(keysOf(answers.rpc.body)).toEqual(keysOf(answers.mcp.body));
    }
  });

  it('accepts the old REST and JSON-RPC name `role` as an alias for role_name', async () => {
    for (const surface of ['rest', 'rpc'] as const) {
      const task = (await send(surface, 'create_task', { title: `old name ${surface}` })).body;
      const answer = await send(surface, 'execute_task', { task_id: task.id, role: 'tester' });
      expect(answer.body).toMatchObject({ success: true, role_assigned: 'tester' });
    }
    // Both names at once is ambiguous: refused, naming the field.
    const task = (await send('rest', 'create_task', { title: 'both names' })).body;
    const both = await send('rest', 'execute_task', {
      task_id: task.id,
      role: 'tester',
      role_name: 'tester',
    });
    expect(both).toMatchObject({ ok: false, body: { code: 'validation_error' } });
    expect(both.body.details).toContainEqual({ field: 'role', reason: 'unknown field' });
  });

  it('complete_task, index_document and list_roles answer the same shape everywhere', async () => {
    const answers = {} as Record<Surface, Answer>;
    for (const surface of SURFACES) {
      const task = (await send(surface, 'create_task', { task_input: { title: `complete ${surface}` } }))
        .body;
      answers[surface] = await send(surface, 'complete_task', { task_id: task.id, completion_notes: 'done' });
      expect(answers[surface].body).toMatchObject({ success: true, completion_notes: 'done' });
      expect(answers[surface].body.task).toMatchObject({ id: task.id, status: 'done' });
      const indexed = await send(surface, 'index_document', {
        document_input: { title: 'doc', content: `content on ${surface}` },
      });
      expect(indexed.body).toMatchObject({ success: true, deduplicated: false });
      expect((await send(surface, 'list_roles', {})).body).toMatchObject({ success: true });
    }
    expect(keysOf(answers.rest.body)).toEqual(keysOf(answers.mcp.body));
  });

  it('takes the MCP wrapper parameters (task_input, task_update, …) on REST and JSON-RPC', async () => {
    for (const surface of SURFACES) {
      const task = (await send(surface, 'create_task', { task_input: { title: `wrapped ${surface}` } })).body;
      const updated = await send(surface, 'update_task', {
        task_id: task.id,
        task_update: { priority: 'high' },
      });
      expect(updated.body).toMatchObject({ id: task.id, priority: 'high', version: 2 });
      const project = await send(surface, 'create_project', { project_input: { name: `p ${surface}` } });
      expect(project.body).toMatchObject({ name: `p ${surface}` });
      const found = await send(surface, 'search', { search_input: { query: `wrapped ${surface}` } });
      expect(found.body.results.map((hit: { id: string }) => hit.id)).toContain(task.id);
    }
  });
});

describe('the shapes an agent writes, accepted on every surface', () => {
  const agentTask = (title: string) => ({
    title,
    due_at: '2026-12-10',
    priority: 'High',
    status: 'In_Progress',
    description: null,
    subtasks: ['first step', { title: 'second step', priority: 'URGENT' }],
  });

  it('a calendar date (end of that day, UTC), enum values in any case, null text, subtasks as titles', async () => {
    for (const surface of SURFACES) {
      for (const wrapped of [true, false]) {
        const title = `agent ${surface} ${wrapped ? 'wrapped' : 'flat'}`;
        const input = wrapped ? { task_input: agentTask(title) } : agentTask(title);
        const answer = await send(surface, 'create_task', input);
        expect(answer.ok, `${surface}: ${JSON.stringify(answer.body)}`).toBe(true);
        expect(answer.body).toMatchObject({
          title,
          due_at: '2026-12-10T23:59:59.999Z',
          priority: 'high',
          status: 'doing',
          description: '',
        });
        expect(answer.body.children).toHaveLength(2);
        const children = await send(surface, 'list_children', { task_id: answer.body.id });
        expect(children.body.items.map((c: { title: string }) => c.title)).toEqual([
          'first step',
          'second step',
        ]);
        expect(children.body.items[1].priority).toBe('urgent');
      }
    }
  });

  it('keeps refusing what is ambiguous or unknown, naming the field', async () => {
    const refused: [Record<string, unknown>, string][] = [
      [{ title: 't', due_at: '2026-02-30' }, 'due_at'],
      [{ title: 't', due_at: '10/12/2026' }, 'due_at'],
      [{ title: 't', priority: 'highest' }, 'priority'],
      [{ title: 't', colour: 'red' }, 'colour'],
      [{ title: null }, 'title'],
      [{ title: 't', subtasks: [7] }, 'subtasks.0'],
    ];
    for (const surface of SURFACES) {
      for (const [input, field] of refused) {
        const answer = await send(surface, 'create_task', { task_input: input });
        expect(answer.ok, `${surface} ${JSON.stringify(input)}`).toBe(false);
        expect(answer.body.code).toBe('validation_error');
        const fields = answer.body.details.map((d: { field: string }) =>
          d.field.replace(/^task_input\./, ''),
        );
        expect(fields, `${surface} ${JSON.stringify(input)}`).toContain(field);
      }
    }
  });

  it('list_tasks status=open is every status that still needs work, in any case', async () => {
    const made: Record<string, string> = {};
    for (const status of ['todo', 'doing', 'review', 'blocked', 'done', 'cancelled']) {
      made[status] = (await send('rest', 'create_task', { title: `open filter ${status}`, status })).body.id;
    }
    const openIds = ['todo', 'doing', 'review', 'blocked'].map((s) => made[s]);
    for (const surface of SURFACES) {
      for (const status of ['open', 'Open']) {
        const page = await send(surface, 'list_tasks', { status, limit: 500 });
        const ids = page.body.items.map((t: { id: string }) => t.id);
        for (const id of openIds) expect(ids, surface).toContain(id);
        expect(ids).not.toContain(made.done);
        expect(ids).not.toContain(made.cancelled);
        expect(page.body.items.every((t: { status: string }) => t.status !== 'done')).toBe(true);
      }
    }
    const dashboard = await send('rest', 'get_task_dashboard', {});
    const open = await send('rest', 'list_tasks', { status: 'open', limit: 1 });
    expect(dashboard.body.open_tasks).toBe(open.body.total);
  });
});
