import { describe, expect, it } from 'vitest';
import { startTestServer, useTestServer } from '../helpers/server.js';

const t = useTestServer();

async function create(body: Record<string, unknown>) {
  const res = await t.http('POST', '/api/tasks', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A tree `levels` task levels deep: the root plus levels-1 nested subtasks. */
function chain(levels: number): Record<string, unknown> {
  let node: Record<string, unknown> = { title: `level ${levels - 1}` };
  for (let level = levels - 2; level >= 0; level--) node = { title: `level ${level}`, subtasks: [node] };
  return node;
}

describe('create and read', () => {
  it('resolves status and priority aliases and answers canonical values', async () => {
    const task = await create({ title: 'Write docs', status: 'in_progress', priority: 'medium' });
    expect(task).toMatchObject({ title: 'Write docs', status: 'doing', priority: 'normal', version: 1 });
    expect(task.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const read = await t.http('GET', `/api/tasks/${task.id}`);
    expect(read.body).toEqual(task);
    for (const [input, output] of [
      ['pending', 'todo'],
      ['completed', 'done'],
      ['canceled', 'cancelled'],
    ]) {
      expect((await create({ title: input, status: input })).status).toBe(output);
    }
    expect((await create({ title: 'c', priority: 'critical' })).priority).toBe('urgent');
  });

  it('stores every field exactly as given', async () => {
    const due = '2030-01-02T03:04:05.678Z';
    const fields = {
      title: `it's "quoted" '; DROP TABLE tasks; -- % _ 🎉`,
      description: 'line 1\nline 2\ttab',
      tags: ['a', 'b c'],
      labels: { size: 3, nested: { ok: true }, list: [1, 'two'] },
      role: 'tester',
      due_at: due,
      completion_notes: 'n/a',
    };
    const task = await create(fields);
    expect(task).toMatchObject(fields);
    expect((await t.http('GET', `/api/tasks/${task.id}`)).body).toMatchObject(fields);
  });

  it('normalises due_at offsets to UTC milliseconds', async () => {
    const task = await create({ title: 'tz', due_at: '2030-01-02T05:00:00+02:00' });
    expect(task.due_at).toBe('2030-01-02T03:00:00.000Z');
  });

  it('accepts a 10,000-char description and a 500-char title', async () => {
    const task = await create({ title: 't'.repeat(500), description: 'd'.repeat(10_000) });
    expect(task.title).toHaveLength(500);
    expect(task.description).toHaveLength(10_000);
  });

  it('creates a subtask tree in one call, 10 levels below the root, and reads every level back', async () => {
    const root = await create(chain(11));
    let id: string = root.id;
    for (let level = 0; level <= 10; level++) {
      const task = (await t.http('GET', `/api/tasks/${id}`)).body;
      expect(task.title).toBe(`level ${level}`);
      if (level < 10) {
        expect(task.children).toHaveLength(1);
        id = task.children[0];
      } else {
        expect(task.children).toEqual([]);
      }
    }
  });

  it('lists children oldest first and subtasks inherit the project', async () => {
    const project = (await t.http('POST', '/api/projects', { name: 'Inherit' })).body;
    const root = await create({
      title: 'parent',
      project_id: project.id,
      subtasks: [{ title: 'one' }, { title: 'two' }, { title: 'three' }],
    });
    const children = await t.http('GET', `/api/tasks/${root.id}/children`);
    expect(children.body.items.map((c: { title: string }) => c.title)).toEqual(['one', 'two', 'three']);
    expect(children.body.items.every((c: { project_id: string }) => c.project_id === project.id)).toBe(true);
    expect(root.children).toEqual(children.body.items.map((c: { id: string }) => c.id));
  });
});

describe('update', () => {
  it('persists every field it is given and bumps the version', async () => {
    const task = await create({ title: 'before' });
    const project = (await t.http('POST', '/api/projects', { name: 'Update target' })).body;
    const dep = await create({ title: 'dependency' });
    const parent = await create({ title: 'new parent' });
    const update = {
      title: 'after',
      description: 'new description',
      status: 'review',
      priority: 'high',
      tags: ['x'],
      labels: { k: 'v' },
      parent_id: parent.id,
      project_id: project.id,
      role: 'reviewer',
      depends_on: [dep.id],
      due_at: '2031-05-06T07:08:09.000Z',
      completion_notes: 'notes',
    };
    const updated = await t.http('PATCH', `/api/tasks/${task.id}`, update);
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ ...update, version: 2 });
    expect((await t.http('GET', `/api/tasks/${task.id}`)).body).toMatchObject(update);
    expect((await t.http('GET', `/api/tasks/${parent.id}`)).body.children).toEqual([task.id]);
  });

  it('PUT is the same partial update', async () => {
    const task = await create({ title: 'put me', tags: ['keep'] });
    const updated = await t.http('PUT', `/api/tasks/${task.id}`, { priority: 'low' });
    expect(updated.body).toMatchObject({ title: 'put me', tags: ['keep'], priority: 'low' });
  });

  it('sets completed_at when done and clears it when leaving done', async () => {
    const task = await create({ title: 'finish me' });
    const done = (await t.http('PATCH', `/api/tasks/${task.id}`, { status: 'completed' })).body;
    expect(done.status).toBe('done');
    expect(done.completed_at).not.toBeNull();
    const reopened = (await t.http('PATCH', `/api/tasks/${task.id}`, { status: 'todo' })).body;
    expect(reopened.completed_at).toBeNull();
  });

  it('refuses a stale expected_version (body or If-Match) with 409 and changes nothing', async () => {
    const task = await create({ title: 'versioned' });
    expect(
      (await t.http('PATCH', `/api/tasks/${task.id}`, { title: 'v2', expected_version: 1 })).status,
    ).toBe(200);
    const stale = await t.http('PATCH', `/api/tasks/${task.id}`, { title: 'lost', expected_version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      code: 'conflict',
      details: { current_version: 2, expected_version: 1 },
    });
    const ifMatch = await t.http('PATCH', `/api/tasks/${task.id}`, { title: 'lost' }, { 'if-match': '"1"' });
    expect(ifMatch.status).toBe(409);
    const ok = await t.http('PATCH', `/api/tasks/${task.id}`, { title: 'v3' }, { 'if-match': '"2"' });
    expect(ok.body).toMatchObject({ title: 'v3', version: 3 });
  });

  it('refuses parent and dependency cycles with 409', async () => {
    const root = await create({ title: 'a', subtasks: [{ title: 'b', subtasks: [{ title: 'c' }] }] });
    const b = (await t.http('GET', `/api/tasks/${root.id}`)).body.children[0];
    const c = (await t.http('GET', `/api/tasks/${b}`)).body.children[0];
    const cycle = await t.http('PATCH', `/api/tasks/${root.id}`, { parent_id: c });
    expect(cycle.status).toBe(409);
    expect(cycle.body.details).toEqual([{ field: 'parent_id', reason: 'would create a parent cycle' }]);
    expect((await t.http('PATCH', `/api/tasks/${root.id}`, { parent_id: root.id })).status).toBe(409);

    const x = await create({ title: 'x' });
    const y = await create({ title: 'y', depends_on: [x.id] });
    const z = await create({ title: 'z', depends_on: [y.id] });
    const depCycle = await t.http('PATCH', `/api/tasks/${x.id}`, { depends_on: [z.id] });
    expect(depCycle.status).toBe(409);
    expect((await t.http('GET', `/api/tasks/${x.id}`)).body.depends_on).toEqual([]);
  });
});

describe('list', () => {
  it('filters, pages with a cursor and counts the total', async () => {
    const project = (await t.http('POST', '/api/projects', { name: 'Listing' })).body;
    for (let i = 0; i < 7; i++) {
      await create({
        title: `list ${i}`,
        project_id: project.id,
        tags: i % 2 ? ['odd'] : ['even'],
        status: i < 3 ? 'done' : 'todo',
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query = `project_id=${project.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { body: { items: { title: string }[]; total: number; next_cursor: string | null } } =
        await t.http('GET', `/api/tasks?${query}`);
      expect(page.body.total).toBe(7);
      seen.push(...page.body.items.map((i) => i.title));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['list 6', 'list 5', 'list 4', 'list 3', 'list 2', 'list 1', 'list 0']);

    const odd = await t.http('GET', `/api/tasks?project_id=${project.id}&tag=odd`);
    expect(odd.body.total).toBe(3);
    const done = await t.http('GET', `/api/tasks?project_id=${project.id}&status=completed`);
    expect(done.body.items.map((i: { title: string }) => i.title)).toEqual(['list 2', 'list 1', 'list 0']);
    const full = await t.http('GET', `/api/tasks?project_id=${project.id}&limit=1&detail=full`);
    expect(full.body.items[0]).toHaveProperty('description');
    const summary = await t.http('GET', `/api/tasks?project_id=${project.id}&limit=1`);
    expect(Object.keys(summary.body.items[0]).sort()).toEqual(
      [
        'child_count',
        'due_at',
        'id',
        'parent_id',
        'priority',
        'project_id',
        'role',
        'status',
        'title',
        'updated_at',
      ].sort(),
    );
  });

  it('parent_id=root lists only top-level tasks', async () => {
    const root = await create({ title: 'top', role: 'implementer', subtasks: [{ title: 'nested' }] });
    const top = await t.http('GET', '/api/tasks?parent_id=root&role=implementer&limit=500');
    const ids = top.body.items.map((i: { id: string }) => i.id);
    expect(ids).toContain(root.id);
    expect(ids).not.toContain(root.children[0]);
  });
});

describe('delete, complete, roles and executions', () => {
  it('deletes a subtree and reports the count', async () => {
    const root = await create({
      title: 'r',
      subtasks: [{ title: 's1', subtasks: [{ title: 's11' }] }, { title: 's2' }],
    });
    const res = await t.http('DELETE', `/api/tasks/${root.id}`);
    expect(res.body).toEqual({ success: true, task_id: root.id, deleted_count: 4 });
    expect((await t.http('GET', `/api/tasks/${root.children[0]}`)).status).toBe(404);
    expect((await t.http('DELETE', `/api/tasks/${root.id}`)).status).toBe(404);
  });

  it('completes a task with notes', async () => {
    const task = await create({ title: 'complete me' });
    const res = await t.http('POST', `/api/tasks/${task.id}/complete`, { completion_notes: 'all good' });
    expect(res.body).toMatchObject({ success: true, completion_notes: 'all good' });
    expect(res.body.task).toMatchObject({ status: 'done', completion_notes: 'all good' });
    expect(res.body.task.completed_at).not.toBeNull();
  });

  it('lists the built-in roles and assigns one', async () => {
    const roles = (await t.http('GET', '/api/roles')).body;
    const names = roles.roles.map((r: { name: string }) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['architect', 'implementer', 'tester', 'reviewer', 'documenter', 'researcher']),
    );
    expect(roles.total_roles).toBe(names.length);
    const task = await create({ title: 'assign' });
    const assigned = (await t.http('POST', `/api/tasks/${task.id}/assign-role`, { role_name: 'tester' }))
      .body;
    expect(assigned).toMatchObject({ success: true, role_assigned: 'tester', task: { role: 'tester' } });
    const unknownRole = await t.http('POST', `/api/tasks/${task.id}/assign-role`, { role_name: 'wizard' });
    expect(unknownRole.status).toBe(400);
    expect(unknownRole.body.details[0].field).toBe('role_name');
    const unknownTask = await t.http('POST', '/api/tasks/00000000-0000-4000-8000-000000000000/assign-role', {
      role_name: 'tester',
    });
    expect(unknownTask.status).toBe(404);
  });

  it('execute_task is an atomic claim with a brief; force takes over; complete closes it', async () => {
    const dep = await create({ title: 'dep' });
    const task = await create({ title: 'run me', depends_on: [dep.id], subtasks: [{ title: 'step' }] });
    const first = await t.http('POST', `/api/tasks/${task.id}/execute`, { role_name: 'implementer' });
    expect(first.status).toBe(200);
    expect(first.body.execution_id).toMatch(/^exec_/);
    expect(first.body).toMatchObject({ success: true, task_id: task.id, role_assigned: 'implementer' });
    expect(first.body.brief.task).toMatchObject({ status: 'doing', role: 'implementer' });
    expect(first.body.brief.role.file_patterns.length).toBeGreaterThan(0);
    expect(first.body.brief.subtasks.map((s: { title: string }) => s.title)).toEqual(['step']);
    expect(first.body.brief.dependencies.map((s: { title: string }) => s.title)).toEqual(['dep']);

    const second = await t.http('POST', `/api/tasks/${task.id}/execute`, { role_name: 'tester' });
    expect(second.status).toBe(409);
    expect(second.body.error).toContain(first.body.execution_id);
    const forced = await t.http('POST', `/api/tasks/${task.id}/execute`, {
      role_name: 'tester',
      force: true,
    });
    expect(forced.status).toBe(200);
    expect(forced.body.brief.task.role).toBe('tester');

    await t.http('POST', `/api/tasks/${task.id}/complete`, {});
    const again = await t.http('POST', `/api/tasks/${task.id}/execute`, { role_name: 'tester' });
    expect(again.status).toBe(200);
  });

  it('only one of many simultaneous claims wins', async () => {
    const task = await create({ title: 'race' });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.http('POST', `/api/tasks/${task.id}/execute`, { role_name: 'implementer' }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
  });
});

describe('list totals', () => {
  it('count a group whose first kept row fell to zero', async () => {
    const s = await startTestServer();
    try {
      // The kept row of tasks without a project sorts first in its group; it falls back to zero.
      const gone = (await s.http('POST', '/api/tasks', { title: 'no project' })).body.id;
      await s.http('DELETE', `/api/tasks/${gone}`);
      const project = (await s.http('POST', '/api/projects', { name: 'P' })).body.id;
      await s.http('POST', '/api/tasks', { title: 'in P', project_id: project });
      const dashboard = (await s.http('GET', '/api/dashboard/stats')).body;
      expect(dashboard.total_tasks).toBe(1);
      expect(dashboard.status_breakdown.todo).toBe(1);
      expect((await s.http('GET', '/api/tasks?status=todo')).body.total).toBe(1);
    } finally {
      await s.stop();
      await s.remove();
    }
  });

  it('stay exact through status, priority and project changes and a project deletion', async () => {
    const s = await startTestServer();
    try {
      const a = (await s.http('POST', '/api/projects', { name: 'A' })).body.id;
      const b = (await s.http('POST', '/api/projects', { name: 'B' })).body.id;
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const body = {
          title: `t${i}`,
          project_id: i % 2 ? a : b,
          priority: i % 3 ? 'normal' : 'high',
          tags: ['all'],
        };
        ids.push((await s.http('POST', '/api/tasks', body)).body.id);
      }
      await s.http('PATCH', `/api/tasks/${ids[0]}`, { status: 'done' });
      await s.http('PATCH', `/api/tasks/${ids[1]}`, { project_id: b, priority: 'low' });
      await s.http('PATCH', `/api/tasks/${ids[2]}`, { project_id: null });
      await s.http('DELETE', `/api/tasks/${ids[3]}`);
      await s.http('DELETE', `/api/projects/${a}`);
      // Totals of project/status/priority filters come from kept counts; adding the tag filter forces a count.
      for (const query of [
        '',
        'status=todo',
        'priority=high',
        `project_id=${b}`,
        `project_id=${b}&status=todo&priority=normal`,
      ]) {
        const kept = (await s.http('GET', `/api/tasks?${query}`)).body.total;
        const counted = (await s.http('GET', `/api/tasks?${query}&tag=all`)).body.total;
        expect(kept, query).toBe(counted);
      }
      expect((await s.http('GET', `/api/tasks?project_id=${b}`)).body.total).toBe(6);
      expect((await s.http('GET', '/api/dashboard/stats')).body.total_tasks).toBe(11);
    } finally {
      await s.stop();
      await s.remove();
    }
  });
});
