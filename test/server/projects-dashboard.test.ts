import { describe, expect, it } from 'vitest';
import { TEST_STORE } from '../helpers/postgres.js';
import { useTestServer } from '../helpers/server.js';

const t = useTestServer();

describe('projects', () => {
  it('creates, reads, lists, updates with version checks and deletes', async () => {
    const created = await t.http('POST', '/api/projects', {
      name: 'Alpha',
      description: 'first',
      tags: ['a'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Alpha', task_count: 0, open_task_count: 0, version: 1 });
    const id = created.body.id;
    expect((await t.http('GET', `/api/projects/${id}`)).body).toEqual(created.body);

    const duplicate = await t.http('POST', '/api/projects', { name: 'Alpha' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.details).toEqual([{ field: 'name', reason: 'must be unique' }]);

    const updated = await t.http('PUT', `/api/projects/${id}`, {
      description: 'changed',
      expected_version: 1,
    });
    expect(updated.body).toMatchObject({ name: 'Alpha', description: 'changed', version: 2 });
    expect(
      (await t.http('PUT', `/api/projects/${id}`, { description: 'x', expected_version: 1 })).status,
    ).toBe(409);

    await t.http('POST', '/api/tasks', { title: 'open', project_id: id });
    await t.http('POST', '/api/tasks', { title: 'closed', project_id: id, status: 'done' });
    expect((await t.http('GET', `/api/projects/${id}`)).body).toMatchObject({
      task_count: 2,
      open_task_count: 1,
    });

    const list = await t.http('GET', '/api/projects?limit=10');
    expect(list.body.items.map((p: { id: string }) => p.id)).toContain(id);

    const deleted = await t.http('DELETE', `/api/projects/${id}`);
    expect(deleted.body).toEqual({ success: true, project_id: id, detached_tasks: 2 });
    expect((await t.http('GET', `/api/projects/${id}`)).status).toBe(404);
    const orphans = await t.http('GET', '/api/tasks?limit=500&detail=full');
    expect(
      orphans.body.items.filter((task: { title: string }) => task.title === 'open')[0].project_id,
    ).toBeNull();
  });

  it('refuses a task referencing a missing project, naming the field', async () => {
    const res = await t.http('POST', '/api/tasks', {
      title: 'x',
      subtasks: [{ title: 'y', project_id: '00000000-0000-4000-8000-000000000001' }],
    });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      { field: 'subtasks.0.project_id', reason: 'no project with id 00000000-0000-4000-8000-000000000001' },
    ]);
  });
});

describe('dashboard', () => {
  it('counts statuses, priorities, overdue, upcoming and recent tasks', async () => {
    const before = (await t.http('GET', '/api/dashboard/stats')).body;
    const project = (await t.http('POST', '/api/projects', { name: 'Dash' })).body;
    const hour = 3600_000;
    await t.http('POST', '/api/tasks', {
      title: 'overdue',
      priority: 'urgent',
      project_id: project.id,
      due_at: new Date(Date.now() - hour).toISOString(),
    });
    await t.http('POST', '/api/tasks', {
      title: 'upcoming',
      due_at: new Date(Date.now() + 48 * hour).toISOString(),
    });
    await t.http('POST', '/api/tasks', {
      title: 'far',
      due_at: new Date(Date.now() + 30 * 24 * hour).toISOString(),
    });
    await t.http('POST', '/api/tasks', {
      title: 'done late',
      status: 'done',
      due_at: new Date(Date.now() - hour).toISOString(),
    });
    const after = (await t.http('GET', '/api/dashboard/stats')).body;
    expect(after.total_tasks - before.total_tasks).toBe(4);
    expect(after.completed_tasks - before.completed_tasks).toBe(1);
    expect(after.overdue_tasks - before.overdue_tasks).toBe(1);
    expect(after.upcoming_tasks - before.upcoming_tasks).toBe(1);
    expect(after.pending_tasks_by_priority.urgent - before.pending_tasks_by_priority.urgent).toBe(1);
    expect(after.active_projects - before.active_projects).toBe(1);
    expect(after.recent_activity_count - before.recent_activity_count).toBe(4);
    expect(after.recent_tasks.map((r: { title: string }) => r.title).slice(0, 4)).toEqual([
      'done late',
      'far',
      'upcoming',
      'overdue',
    ]);
    expect(after.completion_rate).toBeCloseTo((after.completed_tasks / after.total_tasks) * 100, 1);
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    expect(sum(after.status_breakdown)).toBe(after.total_tasks);
    expect(sum(after.priority_breakdown)).toBe(after.total_tasks);
  });
});

describe('monitoring', () => {
  it('reports health, measured pool metrics and pool health', async () => {
    const health = await t.http('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'healthy', service: 'bindery', workspace: t.workspace });
    const before = (await t.http('GET', '/api/pool/metrics')).body;
    await t.http('GET', '/api/tasks');
    const after = (await t.http('GET', '/api/pool/metrics')).body;
    expect(after.max_connections).toBe(TEST_STORE === 'sqlite' ? 1 : 8);
    expect(after.total_acquired).toBeGreaterThan(before.total_acquired);
    expect(after.total_queries).toBeGreaterThan(before.total_queries);
    const pool = (await t.http('GET', '/api/pool/health')).body;
    expect(pool.health).toMatchObject({
      status: 'healthy',
      is_healthy: true,
      success_rate: 100,
      recommendations: [],
    });
    if (TEST_STORE === 'sqlite') {
      expect(pool.configuration.pragmas).toMatchObject({ journal_mode: 'WAL', busy_timeout: 5000 });
    } else {
      expect(pool.configuration.pool).toMatchObject({ max: 8, min: 2, acquire_timeout_ms: 3000 });
    }
  });
});
