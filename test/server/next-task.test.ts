import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.js';

const t = useTestServer();

async function create(body: Record<string, unknown>) {
  const res = await t.http('POST', '/api/tasks', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

let projects = 0;
/** Each test works in its own project, so next_task sees only its tasks. */
async function project(): Promise<string> {
  const res = await t.http('POST', '/api/projects', { name: `next ${process.pid} ${++projects}` });
  return res.body.id;
}

const next = (query: string) => t.http('GET', `/api/tasks/next?${query}`);
const rpc = async (method: string, params: unknown) =>
  (await t.http('POST', '/rpc', { jsonrpc: '2.0', id: 1, method, params })).body;

describe('next_task: the ready rule and the order', () => {
  it('answers by priority, then due date (none last), then age; counts the others', async () => {
    const p = await project();
    const low = await create({ title: 'low', priority: 'low', project_id: p });
    const normalLate = await create({ title: 'normal late', due_at: '2030-01-02', project_id: p });
    const normalNoDue = await create({ title: 'normal no due', project_id: p });
    const normalEarly = await create({ title: 'normal early', due_at: '2030-01-01', project_id: p });
    const urgent = await create({ title: 'urgent', priority: 'urgent', due_at: '2026-12-01', project_id: p });
    const order = [urgent, normalEarly, normalLate, normalNoDue, low];
    for (const [i, expected] of order.entries()) {
      const answer = await next(`project_id=${p}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.task.id).toBe(expected.id);
      expect(answer.body.ready_count).toBe(order.length - i - 1);
      await t.http('POST', `/api/tasks/${expected.id}/complete`, {});
    }
    const none = await next(`project_id=${p}`);
    expect(none.body).toEqual({ task: null, reason: null, ready_count: 0, waiting_count: 0 });
  });

  it('explains the choice in one line', async () => {
    const p = await project();
    const dep = await create({ title: 'dep', project_id: p, status: 'done' });
    const dep2 = await create({ title: 'dep2', project_id: p, status: 'cancelled' });
    await create({
      title: 'main',
      project_id: p,
      priority: 'urgent',
      due_at: '2026-12-01T10:00:00Z',
      depends_on: [dep.id, dep2.id],
    });
    const answer = await next(`project_id=${p}`);
    expect(answer.body.reason).toBe('urgent priority, due 2026-12-01, 2 dependencies done');
  });

  it('waits for dependencies and subtasks; blocked_by names what is unfinished', async () => {
    const p = await project();
    const dep = await create({ title: 'dep', project_id: p });
    const waiting = await create({ title: 'waits', project_id: p, priority: 'urgent', depends_on: [dep.id] });
    expect(waiting.blocked_by).toEqual([dep.id]);
    const parent = await create({
      title: 'parent',
      project_id: p,
      priority: 'high',
      subtasks: [{ title: 'child' }],
    });
    const child = parent.children[0];

    // Ready now: dep and the child (leaves first); the urgent one waits on dep, the high parent on its child.
    const first = await next(`project_id=${p}`);
    expect(first.body.task.id).toBe(dep.id);
    expect(first.body.ready_count).toBe(1);
    const ready = await t.http('GET', `/api/tasks?project_id=${p}&ready=true`);
    expect(ready.body.items.map((x: { id: string }) => x.id).sort()).toEqual([dep.id, child].sort());
    expect(ready.body.total).toBe(2);

    await t.http('POST', `/api/tasks/${child}/complete`, {});
    expect((await next(`project_id=${p}`)).body.task.id).toBe(parent.id);
    await t.http('POST', `/api/tasks/${dep.id}/complete`, {});
    const unblocked = await t.http('GET', `/api/tasks/${waiting.id}`);
    expect(unblocked.body.blocked_by).toEqual([]);
    expect((await next(`project_id=${p}`)).body.task.id).toBe(waiting.id);

    // Reopening the dependency blocks it again; deleting the dependency frees it.
    await t.http('PATCH', `/api/tasks/${dep.id}`, { status: 'todo' });
    expect((await t.http('GET', `/api/tasks/${waiting.id}`)).body.blocked_by).toEqual([dep.id]);
    expect((await next(`project_id=${p}`)).body.task.id).toBe(parent.id);
    await t.http('POST', `/api/tasks/${parent.id}/complete`, {});
    await t.http('DELETE', `/api/tasks/${dep.id}`);
    expect((await next(`project_id=${p}`)).body.task.id).toBe(waiting.id);
  });

  it('counts waiting tasks when none is ready', async () => {
    const p = await project();
    const dep = await create({ title: 'dep', status: 'doing', project_id: p });
    await create({ title: 'a', depends_on: [dep.id], project_id: p });
    await create({ title: 'b', depends_on: [dep.id], project_id: p });
    const answer = await next(`project_id=${p}`);
    expect(answer.body).toMatchObject({ task: null, ready_count: 0, waiting_count: 2 });
  });

  it('filters by role (that role or none) and tag', async () => {
    const p = await project();
    await create({ title: 'reviewer work', role: 'reviewer', priority: 'urgent', project_id: p });
    const open = await create({ title: 'anyone', project_id: p, tags: ['docs'] });
    expect((await next(`project_id=${p}&role=implementer`)).body.task.id).toBe(open.id);
    expect((await next(`project_id=${p}&tag=docs`)).body.task.id).toBe(open.id);
    expect((await next(`project_id=${p}&tag=none`)).body.task).toBeNull();
  });

  it('refuses an unknown project or role by name, and a claim without role_name', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const project = await next(`project_id=${missing}`);
    expect(project.status).toBe(400);
    expect(JSON.stringify(project.body)).toContain(`no project with id ${missing}`);
    const role = await next('role=wizard');
    expect(role.status).toBe(400);
    expect(role.body.details).toEqual([
      { field: 'role', reason: expect.stringContaining('unknown role "wizard"') },
    ]);
    const claim = await t.http('POST', '/api/tasks/next', { claim: true });
    expect(claim.status).toBe(400);
    expect(claim.body.details).toEqual([{ field: 'role_name', reason: 'is required with claim: true' }]);
    const lease = await t.http('POST', '/api/tasks/next', {
      claim: true,
      role_name: 'implementer',
      lease_s: 5,
    });
    expect(lease.status).toBe(400);
    expect(JSON.stringify(lease.body)).toContain('lease_s');
  });
});

describe('next_task with claim', () => {
  it('claims the chosen task and answers the execution brief, over REST and JSON-RPC', async () => {
    const p = await project();
    const a = await create({ title: 'a', priority: 'high', project_id: p });
    const b = await create({ title: 'b', project_id: p });
    const res = await t.http('POST', '/api/tasks/next', {
      project_id: p,
      claim: true,
      role_name: 'implementer',
      lease_s: 120,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.task).toMatchObject({ id: a.id, status: 'doing', role: 'implementer' });
    expect(res.body.execution).toMatchObject({ task_id: a.id, role_assigned: 'implementer' });
    expect(res.body.execution.brief.instructions).toContain('complete_task');
    const lease = Date.parse(res.body.execution.lease_expires_at) - Date.now();
    expect(lease).toBeGreaterThan(100_000);
    expect(lease).toBeLessThanOrEqual(120_000);

    const viaRpc = await rpc('next_task', { project_id: p, claim: true, role_name: 'implementer' });
    expect(viaRpc.result.task.id).toBe(b.id);
    expect(viaRpc.result.ready_count).toBe(0);

    const running = await t.http('GET', `/api/executions?status=running&task_id=${a.id}`);
    expect(running.body.items).toEqual([
      expect.objectContaining({
        id: res.body.execution.execution_id,
        status: 'running',
        role: 'implementer',
      }),
    ]);
    expect((await next(`project_id=${p}`)).body.task).toBeNull();
  });

  it('8 agents claiming at once never get the same task', async () => {
    const p = await project();
    for (let i = 0; i < 20; i++) await create({ title: `job ${i}`, project_id: p });
    const claimed: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (;;) {
          const res = await t.http('POST', '/api/tasks/next', {
            project_id: p,
            claim: true,
            role_name: 'implementer',
          });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          if (!res.body.task) return;
          claimed.push(res.body.task.id);
        }
      }),
    );
    expect(claimed).toHaveLength(20);
    expect(new Set(claimed).size).toBe(20);
  });
});

describe('leases', () => {
  it('heartbeat extends a running lease; a finished execution is a 409 naming its status', async () => {
    const task = await create({ title: 'leased' });
    const run = await t.http('POST', `/api/tasks/${task.id}/execute`, {
      role_name: 'implementer',
      lease_s: 60,
    });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const id = run.body.execution_id;
    const beat = await t.http('POST', `/api/executions/${id}/heartbeat`, { lease_s: 3600 });
    expect(beat.status, JSON.stringify(beat.body)).toBe(200);
    expect(Date.parse(beat.body.lease_expires_at)).toBeGreaterThan(Date.parse(run.body.lease_expires_at));
    const viaRpc = await rpc('heartbeat_execution', { execution_id: id });
    expect(Date.parse(viaRpc.result.lease_expires_at) - Date.now()).toBeLessThanOrEqual(900_000);

    await t.http('POST', `/api/tasks/${task.id}/complete`, {});
    const late = await t.http('POST', `/api/executions/${id}/heartbeat`, {});
    expect(late.status).toBe(409);
    expect(late.body.error).toContain('is completed, not running');
    expect(late.body.details).toMatchObject({ status: 'completed' });
    const missing = await t.http(
      'POST',
      '/api/executions/exec_00000000-0000-4000-8000-000000000000/heartbeat',
      {},
    );
    expect(missing.status).toBe(404);
  });

  it('lists executions newest first, filtered and paged', async () => {
    const task = await create({ title: 'runs' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const run = await t.http('POST', `/api/tasks/${task.id}/execute`, {
        role_name: 'implementer',
        force: true,
      });
      ids.push(run.body.execution_id);
    }
    const first = await t.http('GET', `/api/executions?task_id=${task.id}&limit=2`);
    expect(first.body.total).toBe(3);
    expect(first.body.items.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    const second = await t.http(
      'GET',
      `/api/executions?task_id=${task.id}&limit=2&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.items.map((e: { id: string }) => e.id)).toEqual([ids[0]]);
    expect(second.body.next_cursor).toBeNull();
    const cancelled = await t.http('GET', `/api/executions?task_id=${task.id}&status=cancelled`);
    expect(cancelled.body.total).toBe(2);
    const bad = await t.http('GET', '/api/executions?status=sleeping');
    expect(bad.status).toBe(400);
  });
});
