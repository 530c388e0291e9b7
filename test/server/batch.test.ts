/**
 * update_tasks and complete_tasks through a real server (REST and JSON-RPC) on the store under test: one
 * transaction, all or nothing by default, per-item answers with atomic false, one change-log row per task.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.js';

const t = useTestServer();

async function tasks(count: number, fields: Record<string, unknown> = {}): Promise<any[]> {
  const made = [];
  for (let i = 0; i < count; i++) {
    const res = await t.http('POST', '/api/tasks', { title: `batch task ${i}`, ...fields });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    made.push(res.body);
  }
  return made;
}

const read = async (id: string) => (await t.http('GET', `/api/tasks/${id}`)).body;

async function newest(): Promise<number> {
  return (await t.http('GET', '/api/changes?since=0&limit=1000')).body.next_since;
}

async function changesSince(since: number): Promise<any[]> {
  const page = await t.http('GET', `/api/changes?since=${since}&limit=1000&entity=task`);
  expect(page.status, JSON.stringify(page.body)).toBe(200);
  return page.body.items;
}

describe('update_tasks', () => {
  it('changes every item in one call and writes one change-log row per task', async () => {
    const [a, b, c] = await tasks(3);
    const start = await newest();
    const res = await t.http('PATCH', '/api/tasks', {
      items: [
        { task_id: a.id, title: 'renamed', expected_version: 1 },
        { task_id: b.id, status: 'completed', priority: 'critical', tags: ['x', 'y'] },
        { task_id: c.id, due_at: '2030-05-06', role: 'reviewer' },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      atomic: true,
      succeeded: 3,
      failed: 0,
      results: [
        { index: 0, task_id: a.id, ok: true, version: 2, status: 'todo' },
        { index: 1, task_id: b.id, ok: true, version: 2, status: 'done' },
        { index: 2, task_id: c.id, ok: true, version: 2, status: 'todo' },
      ],
    });
    expect(await read(a.id)).toMatchObject({ title: 'renamed', version: 2 });
    expect(await read(b.id)).toMatchObject({ status: 'done', priority: 'urgent', tags: ['x', 'y'] });
    expect((await read(b.id)).completed_at).not.toBeNull();
    expect(await read(c.id)).toMatchObject({ due_at: '2030-05-06T23:59:59.999Z', role: 'reviewer' });
    const changes = await changesSince(start);
    expect(changes.map((change) => change.id).sort()).toEqual([a.id, b.id, c.id].sort());
  });

  it('atomic (default): one bad item and nothing changes; the answer names each failing item', async () => {
    const [a, b, c] = await tasks(3);
    const missing = randomUUID();
    const start = await newest();
    const res = await t.http('PATCH', '/api/tasks', {
      items: [
        { task_id: a.id, title: 'would change' },
        { task_id: b.id, title: 'stale', expected_version: 7 },
        { task_id: missing, title: 'nobody' },
        { task_id: c.id, role: 'no-such-role' },
        { task_id: a.id, depends_on: [randomUUID()] },
      ],
    });
    // The first failing item is a version conflict: the status a single update would have answered.
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.code).toBe('conflict');
    const failures = res.body.details.failures;
    expect(failures.map((f: any) => [f.index, f.code])).toEqual([
      [1, 'conflict'],
      [2, 'not_found'],
      [3, 'validation_error'],
      [4, 'validation_error'],
    ]);
    expect(failures[0]).toMatchObject({
      task_id: b.id,
      details: { current_version: 1, expected_version: 7 },
    });
    expect(failures[2].details).toEqual([
      { field: 'items.3.role', reason: expect.stringContaining('no-such-role') },
    ]);
    expect(failures[3].details).toEqual([
      { field: 'items.4.depends_on.0', reason: expect.stringContaining('no task with id') },
    ]);
    expect(res.body.error).toMatch(/4 of 5 items failed, so nothing was changed/);
    expect(res.body.error).toContain(`item 2 (task ${missing})`);
    expect(await read(a.id)).toMatchObject({ title: a.title, version: 1 });
    expect(await changesSince(start)).toEqual([]);
  });

  it('atomic: a failure found only inside the transaction (a dependency cycle) rolls back the others', async () => {
    const [a, b] = await tasks(2);
    const res = await t.http('PATCH', '/api/tasks', {
      items: [
        { task_id: a.id, title: 'first', depends_on: [b.id] },
        { task_id: b.id, depends_on: [a.id] },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.body.details.failures).toMatchObject([{ index: 1, code: 'conflict' }]);
    expect(await read(a.id)).toMatchObject({ title: a.title, depends_on: [], version: 1 });
  });

  it('atomic false: applies what it can and reports each item', async () => {
    const [a, b] = await tasks(2);
    const missing = randomUUID();
    const start = await newest();
    const res = await t.http('PATCH', '/api/tasks', {
      atomic: false,
      items: [
        { task_id: a.id, title: 'applied' },
        { task_id: missing, title: 'x' },
        { task_id: b.id, title: 'stale', expected_version: 3 },
        { task_id: b.id, priority: 'low', expected_version: 1 },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ atomic: false, succeeded: 2, failed: 2 });
    expect(res.body.results).toMatchObject([
      { index: 0, ok: true, version: 2 },
      { index: 1, ok: false, task_id: missing, error: { code: 'not_found' } },
      { index: 2, ok: false, error: { code: 'conflict', details: { current_version: 1 } } },
      { index: 3, ok: true, version: 2 },
    ]);
    expect(await read(a.id)).toMatchObject({ title: 'applied' });
    expect(await read(b.id)).toMatchObject({ title: b.title, priority: 'low' });
    expect((await changesSince(start)).length).toBe(2);
  });

  it('500 items in one call; more, an empty item or an unknown field is refused naming it', async () => {
    const made = await tasks(1);
    const items = Array.from({ length: 500 }, (_, i) => ({ task_id: made[0].id, description: `pass ${i}` }));
    const res = await t.http('PATCH', '/api/tasks', { items });
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    expect(res.body.succeeded).toBe(500);
    expect(await read(made[0].id)).toMatchObject({ description: 'pass 499', version: 501 });

    const tooMany = await t.http('PATCH', '/api/tasks', { items: [...items, items[0]] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.details).toEqual([{ field: 'items', reason: 'at most 500 items per call' }]);
    const unknown = await t.http('PATCH', '/api/tasks', { items: [{ task_id: made[0].id, colour: 'red' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details).toEqual([{ field: 'items.0.colour', reason: 'unknown field' }]);
    const empty = await t.http('PATCH', '/api/tasks', { items: [{ task_id: made[0].id }] });
    expect(empty.status).toBe(400);
    expect(empty.body.details.failures[0].details).toEqual([
      { field: 'items.0', reason: expect.stringContaining('no fields to change') },
    ]);
    expect((await t.http('PATCH', '/api/tasks', { items: [] })).status).toBe(400);
  });
});

describe('complete_tasks', () => {
  it('completes every task, closing running executions, one change-log row per task', async () => {
    const [a, b] = await tasks(2);
    const claim = await t.http('POST', `/api/tasks/${a.id}/execute`, { role_name: 'implementer' });
    expect(claim.status, JSON.stringify(claim.body)).toBe(200);
    const start = await newest();
    const res = await t.http('POST', '/api/tasks/complete', {
      task_ids: [a.id, b.id],
      completion_notes: 'shipped together',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ succeeded: 2, failed: 0 });
    for (const id of [a.id, b.id]) {
      const task = await read(id);
      expect(task).toMatchObject({ status: 'done', completion_notes: 'shipped together' });
      expect(task.completed_at).not.toBeNull();
    }
    expect((await changesSince(start)).map((change) => change.id).sort()).toEqual([a.id, b.id].sort());
    // The execution is closed: a new claim needs no force.
    const again = await t.http('POST', `/api/tasks/${a.id}/execute`, { role_name: 'implementer' });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
  });

  it('atomic: an unknown id is a 404 naming it and completes nothing; atomic false completes the rest', async () => {
    const [a] = await tasks(1);
    const missing = randomUUID();
    const refused = await t.http('POST', '/api/tasks/complete', { task_ids: [a.id, missing] });
    expect(refused.status).toBe(404);
    expect(refused.body.details.failures).toMatchObject([{ index: 1, task_id: missing, code: 'not_found' }]);
    expect((await read(a.id)).status).toBe('todo');

    const partial = await t.http('POST', '/api/tasks/complete', { task_ids: [a.id, missing], atomic: false });
    expect(partial.status).toBe(200);
    expect(partial.body.results).toMatchObject([
      { ok: true, status: 'done' },
      { ok: false, error: { code: 'not_found' } },
    ]);
    expect((await read(a.id)).status).toBe('done');
  });

  it('answers over JSON-RPC with the same codes', async () => {
    const [a] = await tasks(1);
    const rpc = (method: string, params: unknown) =>
      t.http('POST', '/rpc', { jsonrpc: '2.0', id: 1, method, params });
    const done = await rpc('complete_tasks', { task_ids: [a.id] });
    expect(done.body.result).toMatchObject({ succeeded: 1 });
    const refused = await rpc('update_tasks', { items: [{ task_id: randomUUID(), title: 'x' }] });
    expect(refused.body.error).toMatchObject({ data: { code: 'not_found' } });
  });
});
