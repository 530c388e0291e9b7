import { describe, expect, it } from 'vitest';
import { OPERATION_NAMES } from '../../src/contract/index.js';
import { TEST_STORE } from '../helpers/postgres.js';
import { useTestServer } from '../helpers/server.js';

const t = useTestServer();

const rpc = (body: unknown) => t.http('POST', '/rpc', body);
const call = (method: string, params?: unknown, id: number | string = 1) =>
  rpc({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });

describe('JSON-RPC 2.0', () => {
  it('exposes every operation of the REST API as a method', async () => {
    for (const method of OPERATION_NAMES) {
      const res = await call(method, {});
      expect(res.body.error?.code, method).not.toBe(-32601);
    }
  });

  it('runs the task lifecycle over RPC', async () => {
    const created = (await call('create_task', { title: 'rpc task', subtasks: [{ title: 'rpc child' }] }))
      .body.result;
    expect(created).toMatchObject({ title: 'rpc task', version: 1 });
    expect((await call('get_task', { task_id: created.id })).body.result).toEqual(created);
    const children = (await call('list_children', { task_id: created.id })).body.result;
    expect(children.items[0].title).toBe('rpc child');
    const updated = (
      await call('update_task', { task_id: created.id, title: 'renamed', expected_version: 1 })
    ).body.result;
    expect(updated).toMatchObject({ title: 'renamed', version: 2 });
    const executed = (await call('execute_task', { task_id: created.id, role_name: 'tester' })).body.result;
    expect(executed.brief.task.status).toBe('doing');
    expect(
      (await call('assign_role_to_task', { task_id: created.id, role_name: 'reviewer' })).body.result
        .role_assigned,
    ).toBe('reviewer');
    expect((await call('complete_task', { task_id: created.id })).body.result.task.status).toBe('done');
    const list = (await call('list_tasks', { limit: 1 })).body.result;
    expect(list.items).toHaveLength(1);
    expect((await call('list_roles')).body.result.total_roles).toBeGreaterThanOrEqual(6);
    expect((await call('get_task_dashboard')).body.result.total_tasks).toBeGreaterThanOrEqual(2);
    expect((await call('version_info')).body.result).toMatchObject({ name: 'bindery', store: TEST_STORE });
    const project = (await call('create_project', { name: 'rpc project' })).body.result;
    expect((await call('list_projects')).body.result.items[0].id).toBe(project.id);
    expect((await call('delete_task', { task_id: created.id })).body.result.deleted_count).toBe(2);
  });

  it('uses the standard error codes', async () => {
    const parse = await t.http('POST', '/rpc', '{"jsonrpc": "2.0", "method": ');
    expect(parse.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    expect((await rpc({ jsonrpc: '1.0', id: 1, method: 'list_roles' })).body.error.code).toBe(-32600);
    expect((await rpc({ id: 1, method: 'list_roles' })).body.error.code).toBe(-32600);
    expect((await rpc({ jsonrpc: '2.0', id: {}, method: 'list_roles' })).body.error.code).toBe(-32600);
    expect((await rpc([])).body.error.code).toBe(-32600);
    expect((await rpc(42)).body.error.code).toBe(-32600);
    const unknown = await call('no_such_method');
    expect(unknown.body.error).toMatchObject({ code: -32601 });
    const invalid = await call('create_task', { title: '', bogus: 1 });
    expect(invalid.body.error.code).toBe(-32602);
    expect(invalid.body.error.data.code).toBe('validation_error');
    expect(invalid.body.error.data.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'title' }),
        { field: 'bogus', reason: 'unknown field' },
      ]),
    );
    expect((await call('create_task', ['positional'])).body.error.code).toBe(-32602);
    const missing = await call('get_task', { task_id: '00000000-0000-4000-8000-000000000000' });
    expect(missing.body.error.code).toBeGreaterThanOrEqual(-32099);
    expect(missing.body.error.code).toBeLessThanOrEqual(-32000);
    expect(missing.body.error.data).toMatchObject({
      code: 'not_found',
      suggestions: ['list_tasks shows the ids that exist.'],
    });
  });

  it('answers batches in full, skipping notifications; only notifications → 204', async () => {
    const batch = await rpc([
      { jsonrpc: '2.0', id: 'a', method: 'list_roles' },
      { jsonrpc: '2.0', method: 'create_task', params: { title: 'from a notification' } },
      { jsonrpc: '2.0', id: 'b', method: 'nope' },
      'garbage',
    ]);
    expect(batch.status).toBe(200);
    expect(batch.body).toHaveLength(3);
    expect(batch.body.find((r: { id: string }) => r.id === 'a').result.total_roles).toBeGreaterThan(0);
    expect(batch.body.find((r: { id: string }) => r.id === 'b').error.code).toBe(-32601);
    expect(batch.body.find((r: { id: null }) => r.id === null).error.code).toBe(-32600);
    const notifications = await rpc([{ jsonrpc: '2.0', method: 'list_roles' }]);
    expect(notifications.status).toBe(204);
    const single = await rpc({ jsonrpc: '2.0', method: 'list_roles' });
    expect(single.status).toBe(204);
    const tasks = (await call('list_tasks', { limit: 500, detail: 'full' })).body.result.items;
    expect(tasks.some((task: { title: string }) => task.title === 'from a notification')).toBe(true);
  });
});
