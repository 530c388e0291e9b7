/**
 * REST answers are serialised by fast-json-stringify from each operation's output schema (src/server/
 * serialize.ts), and fast-json-stringify leaves out whatever a schema does not name. These tests show that
 * nothing is left out: every operation's real answer, a task with every field filled (nested and optional
 * ones, free-form labels), both kinds of list items, and error bodies.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinderyClient } from '../../src/client/index.js';
import { OPERATION_NAMES, type OperationName, operations } from '../../src/contract/index.js';
import { zodSerializerCompiler } from '../../src/server/serialize.js';
import { liveIds, SAMPLE_INPUTS, type SampleIds } from '../helpers/operations.js';
import { useTestServer } from '../helpers/server.js';

// The samples create named tokens, after which every request needs a credential: the root token it is.
const ROOT = 'serialisation-root-token';
const AUTH = { authorization: `Bearer ${ROOT}` };
const t = useTestServer({ env: { BINDERY_TOKEN: ROOT } });
let client: BinderyClient;
let ids: SampleIds;

beforeAll(() => {
  client = new BinderyClient({ url: t.url, token: ROOT });
  ids = liveIds(client);
});
afterAll(() => client.close());

/** The answer as JSON-RPC sends it: JSON.stringify of everything the service returned. */
async function rpc(name: OperationName, params: unknown): Promise<any> {
  const res = await t.http('POST', '/rpc', { jsonrpc: '2.0', id: 1, method: name, params }, AUTH);
  expect(res.body.error, JSON.stringify(res.body.error)).toBeUndefined();
  return res.body.result;
}

function serializerOf(name: OperationName): (value: unknown) => string {
  const { http, output } = operations[name];
  return zodSerializerCompiler({ schema: output, method: http.method, url: http.path, httpStatus: '200' });
}

describe.each(OPERATION_NAMES)('%s', (name) => {
  it("keeps every field of the operation's answer", async () => {
    const answer = await rpc(name, await SAMPLE_INPUTS[name](ids));
    expect(JSON.parse(serializerOf(name)(answer))).toEqual(answer);
  });
});

describe('a task with every field filled', () => {
  const labels = {
    size: 3,
    ratio: 0.25,
    done: false,
    none: null,
    'odd "key" \\ with\nnewline': 'välue ✓ "quoted" \u2028',
    list: [1, 'two', { three: [null, true] }],
    nested: { deeper: { deepest: ['x'] } },
  };
  let task: any;

  beforeAll(async () => {
    const dependency = await client.create_task({ title: 'dependency' });
    const project = await client.create_project({ name: `serialisation ${randomUUID()}` });
    const parent = await client.create_task({ title: 'parent' });
    const created = await client.create_task({
      title: 'Every field "quoted" ✓',
      description: 'Line one\nline two\ttabbed',
      status: 'blocked',
      priority: 'urgent',
      tags: ['one', 'two'],
      labels,
      parent_id: parent.id,
      project_id: project.id,
      role: 'implementer',
      depends_on: [dependency.id],
      due_at: '2030-01-02T03:04:05.000Z',
      completion_notes: 'not yet',
      subtasks: [{ title: 'child' }],
    });
    task = await rpc('get_task', { task_id: created.id });
  });

  it('has every field set (completed_at once completed, below), so the comparisons cover them', () => {
    expect(Object.keys(task).sort()).toEqual(Object.keys(operations.get_task.output.shape).sort());
    const empty = Object.keys(task).filter((field) => task[field] === null || task[field].length === 0);
    expect(empty).toEqual(['completed_at']);
    expect(task.labels).toEqual(labels);
  });

  it('arrives whole over REST, byte for byte as JSON-RPC sends it', async () => {
    const res = await t.http('GET', `/api/tasks/${task.id}`, undefined, AUTH);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(task);
    expect(serializerOf('get_task')(task)).toBe(JSON.stringify(task));
  });

  it('arrives whole inside other answers: full and summary list items, a completion', async () => {
    for (const detail of ['full', 'summary']) {
      const path = `/api/tasks?project_id=${task.project_id}&detail=${detail}`;
      const rest = await t.http('GET', path, undefined, AUTH);
      const expected = await rpc('list_tasks', { project_id: task.project_id, detail });
      expect(rest.body).toEqual(expected);
      expect(expected.items.map((item: any) => item.id)).toContain(task.id);
    }
    const done = await t.http(
      'POST',
      `/api/tasks/${task.id}/complete`,
      { completion_notes: 'all done' },
      AUTH,
    );
    expect(done.status).toBe(200);
    const completed = await rpc('get_task', { task_id: task.id });
    expect(completed.completed_at).toEqual(expect.any(String));
    expect(done.body.task).toEqual(completed);
  });
});

describe('error bodies', () => {
  it('keep their message, code and details', async () => {
    const missing = randomUUID();
    const notFound = await t.http('GET', `/api/tasks/${missing}`, undefined, AUTH);
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({
      error: expect.stringContaining(missing),
      code: 'not_found',
      details: { task_id: missing },
    });

    const invalid = await t.http('POST', '/api/tasks', { title: '', colour: 'red' }, AUTH);
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ code: 'validation_error', error: expect.any(String) });
    expect(invalid.body.details).toEqual(
      expect.arrayContaining([
        { field: 'title', reason: expect.any(String) },
        { field: 'colour', reason: 'unknown field' },
      ]),
    );
  });
});
