/**
 * A token limited to one project, against a real server holding two (docs/access.md): every read shows
 * nothing of the other project (an entity of it answers as a missing id does), creates land in its project
 * and nothing moves out.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { changesOf, openEvents } from '../helpers/events.js';
import { useTestServer } from '../helpers/server.js';

const t = useTestServer();
let admin: Record<string, string>;
let scoped: Record<string, string>;
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const ids = { a: '', b: '', taskA: '', taskB: '', orphan: '', noteB: '', docB: '' };

async function made(path: string, body: unknown, headers: Record<string, string>) {
  const res = await t.http('POST', path, body, headers);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
}

beforeAll(async () => {
  admin = bearer((await made('/api/tokens', { name: 'admin', scope: 'admin' }, {})).token);
  ids.a = (await made('/api/projects', { name: 'alpha' }, admin)).id;
  ids.b = (await made('/api/projects', { name: 'beta' }, admin)).id;
  ids.taskA = (await made('/api/tasks', { title: 'aardvark plan', project_id: ids.a }, admin)).id;
  ids.taskB = (await made('/api/tasks', { title: 'zebra secret plan', project_id: ids.b }, admin)).id;
  ids.orphan = (await made('/api/tasks', { title: 'zebra loose plan' }, admin)).id;
  ids.noteB = (
    await made('/api/notes', { title: 'zebra note', content: 'zebra', project_id: ids.b }, admin)
  ).id;
  await made('/api/notes', { title: 'aardvark note', content: 'aardvark', project_id: ids.a }, admin);
  ids.docB = (
    await made(
      '/api/rag/index',
      { title: 'zebra doc', content: '# zebra\n\nzebra', project_id: ids.b },
      admin,
    )
  ).document_id;
  const token = await made('/api/tokens', { name: 'alpha-bot', scope: 'write', project_ids: [ids.a] }, admin);
  scoped = bearer(token.token);
});

const get = (path: string) => t.http('GET', path, undefined, scoped);

describe('a token limited to one project', () => {
  it('lists, searches and reads only its project; another project answers as a missing one', async () => {
    const tasks = await get('/api/tasks');
    expect(tasks.body.items.map((task: { id: string }) => task.id)).toEqual([ids.taskA]);
    const foreign = await get(`/api/tasks?project_id=${ids.b}`);
    const missing = await get(`/api/tasks?project_id=${randomUUID()}`);
    expect(foreign.body).toEqual(missing.body);
    const search = await t.http('POST', '/api/search', { query: 'zebra' }, scoped);
    expect(search.body.results).toEqual([]);
    const mine = await t.http('POST', '/api/search', { query: 'aardvark' }, scoped);
    expect(mine.body.results.length).toBeGreaterThan(0);
    const projects = await get('/api/projects');
    expect(projects.body.items.map((p: { id: string }) => p.id)).toEqual([ids.a]);
    expect((await get('/api/notes')).body.items.map((n: { title: string }) => n.title)).toEqual([
      'aardvark note',
    ]);
    expect((await get('/api/documents')).body.items).toEqual([]);
  });

  it('answers 404 for another project’s entities exactly as for missing ids', async () => {
    for (const [path, id] of [
      ['/api/tasks/', ids.taskB],
      ['/api/tasks/', ids.orphan],
      ['/api/projects/', ids.b],
      ['/api/notes/', ids.noteB],
      ['/api/documents/', ids.docB],
    ] as const) {
      const hidden = await get(`${path}${id}`);
      expect(hidden.status, path).toBe(404);
      const absent = await get(`${path}${randomUUID()}`);
      expect(Object.keys(hidden.body)).toEqual(Object.keys(absent.body));
      expect(hidden.body.error).toBe(absent.body.error.replace(/[0-9a-f-]{36}/, id));
    }
    const history = await get(`/api/tasks/${ids.taskB}/history`);
    expect(history.body).toEqual((await get(`/api/tasks/${randomUUID()}/history`)).body);
    const dashboard = await get('/api/dashboard/stats');
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toMatchObject({
      total_projects: 1,
      total_notes: 1,
      total_documents: 0,
      total_tasks: 1,
    });
    expect(dashboard.body.recent_tasks.map((task: { id: string }) => task.id)).toEqual([ids.taskA]);
    const everything = await t.http('GET', '/api/dashboard/stats', undefined, admin);
    expect(everything.body.total_projects).toBe(2);
  });

  it('shows only its project’s changes on the change page and the event stream', async () => {
    const page = await get('/api/changes?limit=1000');
    expect(page.body.items.length).toBeGreaterThan(0);
    expect(page.body.items.every((change: { project_id: string }) => change.project_id === ids.a)).toBe(true);
    const stream = await openEvents(t.url, '/api/events?since=0', scoped);
    try {
      await stream.until((events) => events.some((e) => e.event === 'ready'));
      await made('/api/tasks', { title: 'later zebra', project_id: ids.b }, admin);
      await made('/api/tasks', { title: 'later aardvark', project_id: ids.a }, admin);
      const events = await stream.until((all) =>
        changesOf(all).some(
          (c) => c.op === 'created' && c.seq > 0 && c.project_id === ids.a && c.id !== ids.taskA,
        ),
      );
      expect(changesOf(events).every((change) => change.project_id === ids.a)).toBe(true);
    } finally {
      stream.close();
    }
  });

  it('leaves a subtask of another project out of its parent’s children', async () => {
    const mine = await made(
      '/api/tasks',
      { title: 'mine child', parent_id: ids.taskA, project_id: ids.a },
      admin,
    );
    await made('/api/tasks', { title: 'zebra child', parent_id: ids.taskA, project_id: ids.b }, admin);
    const children = await get(`/api/tasks/${ids.taskA}/children`);
    expect(children.body.items.map((child: { id: string }) => child.id)).toEqual([mine.id]);
    expect(children.body.total).toBe(1);
  });

  it('creates in its project, refuses another one or none, and moves nothing out', async () => {
    const task = await made('/api/tasks', { title: 'defaulted' }, scoped);
    expect(task.project_id).toBe(ids.a);
    expect((await t.http('POST', '/api/tasks', { title: 'x', project_id: ids.b }, scoped)).status).toBe(404);
    expect((await t.http('POST', '/api/tasks', { title: 'x', project_id: null }, scoped)).status).toBe(400);
    expect((await t.http('PATCH', `/api/tasks/${task.id}`, { project_id: ids.b }, scoped)).status).toBe(404);
    expect((await t.http('PATCH', `/api/tasks/${task.id}`, { project_id: null }, scoped)).status).toBe(400);
    expect((await t.http('PATCH', `/api/tasks/${ids.taskB}`, { title: 'mine now' }, scoped)).status).toBe(
      404,
    );
    expect((await t.http('DELETE', `/api/notes/${ids.noteB}`, undefined, scoped)).status).toBe(404);
    expect((await t.http('POST', '/api/projects', { name: 'gamma' }, scoped)).status).toBe(403);
    const note = await made('/api/notes', { title: 'n', content: 'c' }, scoped);
    expect(note.project_id).toBe(ids.a);
  });

  it('batches, plans and their export stay inside its project too', async () => {
    const batch = (items: unknown) => t.http('PATCH', '/api/tasks', { items, atomic: false }, scoped);
    expect((await batch([{ task_id: ids.taskB, title: 'mine now' }])).status).toBe(404);
    expect((await batch([{ task_id: ids.taskA, project_id: ids.b }])).status).toBe(404);
    const complete = await t.http(
      'POST',
      '/api/tasks/complete',
      { task_ids: [ids.taskA, ids.taskB] },
      scoped,
    );
    expect(complete.status).toBe(404);
    const untouched = await t.http('GET', `/api/tasks/${ids.taskB}`, undefined, admin);
    expect(untouched.body).toMatchObject({ title: 'zebra secret plan', status: 'todo' });
    expect((await get(`/api/plans/export?project_id=${ids.b}`)).status).toBe(404);
    expect((await get(`/api/plans/export?task_id=${ids.taskB}`)).status).toBe(404);
    const plan = { markdown: '- [ ] planned in alpha' };
    expect((await t.http('POST', '/api/plans/import', { ...plan, project_id: ids.b }, scoped)).status).toBe(
      404,
    );
    expect((await t.http('POST', '/api/plans/import', plan, scoped)).status).toBe(200);
    const exported = await get('/api/plans/export');
    expect(exported.body.markdown).toContain('planned in alpha');
    expect(exported.body.markdown).not.toContain('zebra');
  });
});

describe('a token of several projects', () => {
  let pairBot: Record<string, string>;
  const more = { c: '', taskC: '', linked: '', zebraChild: '' };
  const asPair = (method: string, path: string, body?: unknown) => t.http(method, path, body, pairBot);
  const idsOf = (items: { id: string }[]) => items.map((item) => item.id).sort();

  beforeAll(async () => {
    more.c = (await made('/api/projects', { name: 'gamma' }, admin)).id;
    more.taskC = (await made('/api/tasks', { title: 'capybara plan', project_id: more.c }, admin)).id;
    await made('/api/notes', { title: 'capybara note', content: 'capybara', project_id: more.c }, admin);
    await made(
      '/api/rag/index',
      { title: 'capybara doc', content: '# capybara\n\ncapybara', project_id: more.c },
      admin,
    );
    // A task of alpha whose parent, a dependency and a subtask sit in beta.
    more.linked = (
      await made(
        '/api/tasks',
        { title: 'linked plan', project_id: ids.a, parent_id: ids.taskB, depends_on: [ids.taskA, ids.taskB] },
        admin,
      )
    ).id;
    more.zebraChild = (
      await made('/api/tasks', { title: 'zebra subtask', project_id: ids.b, parent_id: more.linked }, admin)
    ).id;
    const token = await made(
      '/api/tokens',
      { name: 'pair-bot', scope: 'write', project_ids: [ids.a, more.c] },
      admin,
    );
    pairBot = bearer(token.token);
  });

  /** What the admin sees of the token's two projects together. */
  async function union(path: string) {
    const items: { id: string }[] = [];
    let total = 0;
    for (const project of [ids.a, more.c]) {
      const page = await t.http('GET', `${path}?limit=200&project_id=${project}`, undefined, admin);
      items.push(...page.body.items);
      total += page.body.total;
    }
    return { ids: idsOf(items), total };
  }

  it('lists tasks, notes and documents of exactly its projects when none is named', async () => {
    for (const path of ['/api/tasks', '/api/notes', '/api/documents']) {
      const page = await asPair('GET', `${path}?limit=200`);
      expect(page.status, path).toBe(200);
      const expected = await union(path);
      expect(idsOf(page.body.items), path).toEqual(expected.ids);
      expect(page.body.total, path).toBe(expected.total);
    }
    const tasks = await asPair('GET', '/api/tasks?limit=200');
    expect(tasks.body.items.map((task: { id: string }) => task.id)).toEqual(
      expect.arrayContaining([ids.taskA, more.taskC]),
    );
    const named = await asPair('GET', `/api/tasks?project_id=${more.c}`);
    expect(idsOf(named.body.items)).toEqual([more.taskC]);
    const foreign = await asPair('GET', `/api/tasks?project_id=${ids.b}`);
    expect(foreign.body).toEqual((await asPair('GET', `/api/tasks?project_id=${randomUUID()}`)).body);
  });

  it('searches, counts and shows changes across its projects only', async () => {
    const search = await asPair('POST', '/api/search', { query: 'plan', limit: 50 });
    const found = search.body.results.map((result: { id: string }) => result.id);
    expect(found).toEqual(expect.arrayContaining([ids.taskA, more.taskC, more.linked]));
    expect(found).not.toContain(ids.taskB);
    expect(found).not.toContain(ids.orphan);
    expect((await asPair('POST', '/api/search', { query: 'zebra' })).body.results).toEqual([]);
    const projects = await asPair('POST', '/api/search', {
      query: 'gamma alpha beta',
      entity_types: ['project'],
    });
    expect(projects.body.results.map((result: { id: string }) => result.id).sort()).toEqual(
      [ids.a, more.c].sort(),
    );

    const dashboard = (await asPair('GET', '/api/dashboard/stats')).body;
    const tasks = await union('/api/tasks');
    expect(dashboard).toMatchObject({ total_projects: 2, total_tasks: tasks.total, total_documents: 1 });

    const changes = (await asPair('GET', '/api/changes?limit=1000')).body.items as { project_id: string }[];
    expect(new Set(changes.map((change) => change.project_id))).toEqual(new Set([ids.a, more.c]));
  });

  it('picks the next task, lists executions and extends leases inside its projects only', async () => {
    // Beta's urgent task comes first for an unlimited caller, never for this token.
    const urgent = await made(
      '/api/tasks',
      { title: 'zebra urgent', project_id: ids.b, priority: 'urgent' },
      admin,
    );
    expect((await t.http('POST', '/api/tasks/next', {}, admin)).body.task.id).toBe(urgent.id);
    const next = await asPair('POST', '/api/tasks/next', {});
    expect([ids.a, more.c]).toContain(next.body.task.project_id);

    const role = { role_name: 'implementer' };
    const hiddenRun = await t.http('POST', `/api/tasks/${urgent.id}/execute`, role, admin);
    expect(hiddenRun.status, JSON.stringify(hiddenRun.body)).toBe(200);
    const ownRun = await asPair('POST', `/api/tasks/${more.taskC}/execute`, role);
    expect(ownRun.status, JSON.stringify(ownRun.body)).toBe(200);

    const executions = (await asPair('GET', '/api/executions')).body;
    expect(executions.items.map((e: { id: string }) => e.id)).toEqual([ownRun.body.execution_id]);
    expect(executions.total).toBe(1);

    const heartbeat = (id: string) => asPair('POST', `/api/executions/${id}/heartbeat`, {});
    expect((await heartbeat(ownRun.body.execution_id)).status).toBe(200);
    const hidden = await heartbeat(hiddenRun.body.execution_id);
    const absent = await heartbeat(`exec_${randomUUID()}`);
    expect(hidden.status).toBe(404);
    expect(Object.keys(hidden.body)).toEqual(Object.keys(absent.body));
    expect(hidden.body.error).toBe(
      absent.body.error.replace(/exec_[0-9a-f-]{36}/, hiddenRun.body.execution_id),
    );
    // Only the unlimited caller extends it.
    expect(
      (await t.http('POST', `/api/executions/${hiddenRun.body.execution_id}/heartbeat`, {}, admin)).status,
    ).toBe(200);
  });

  it('must name the project of a create, one of its own', async () => {
    for (const [path, body] of [
      ['/api/tasks', { title: 'where?' }],
      ['/api/notes', { title: 'where?', content: 'c' }],
    ] as const) {
      const refused = await asPair('POST', path, body);
      expect(refused.status, path).toBe(400);
      expect(JSON.stringify(refused.body), path).toContain('project_id');
    }
    const placed = await made('/api/tasks', { title: 'in gamma', project_id: more.c }, pairBot);
    expect(placed.project_id).toBe(more.c);
    expect((await asPair('POST', '/api/tasks', { title: 'x', project_id: ids.b })).status).toBe(404);
  });

  it('never names another project’s task: links, parents, briefs, history and changes leave it out', async () => {
    const full = (await t.http('GET', `/api/tasks/${more.linked}`, undefined, admin)).body;
    expect(full).toMatchObject({ parent_id: ids.taskB, children: [more.zebraChild] });
    expect(full.depends_on.sort()).toEqual([ids.taskA, ids.taskB].sort());

    const seen = (await asPair('GET', `/api/tasks/${more.linked}`)).body;
    expect(seen).toMatchObject({ parent_id: null, children: [], depends_on: [ids.taskA] });
    expect(seen.blocked_by).toEqual([ids.taskA]);
    const leaks = (value: unknown) =>
      [ids.taskB, more.zebraChild].filter((id) => JSON.stringify(value).includes(id));
    expect(leaks(seen)).toEqual([]);
    // The same through a one-project token: alpha's task lost its beta subtask.
    const alpha = (await get(`/api/tasks/${ids.taskA}`)).body;
    expect(leaks(alpha)).toEqual([]);
    expect(alpha.children).toHaveLength(1);

    // Summaries count only the subtasks it may see.
    const childCounts = async (headers: Record<string, string>) => {
      const page = await t.http('GET', `/api/tasks?project_id=${ids.a}&limit=200`, undefined, headers);
      const count = (id: string) =>
        page.body.items.find((task: { id: string }) => task.id === id).child_count;
      return [count(ids.taskA), count(more.linked)];
    };
    expect(await childCounts(admin)).toEqual([2, 1]);
    expect(await childCounts(pairBot)).toEqual([1, 0]);
    const listed = await asPair('GET', `/api/tasks?project_id=${ids.a}&detail=full&limit=200`);
    expect(leaks(listed.body)).toEqual([]);
    expect(leaks((await asPair('GET', '/api/tasks?limit=200')).body)).toEqual([]);
    expect(leaks((await asPair('GET', `/api/tasks/${more.linked}/history`)).body)).toEqual([]);
    expect(leaks((await asPair('GET', '/api/changes?limit=1000')).body)).toEqual([]);
    expect(leaks((await asPair('GET', '/api/dashboard/stats')).body)).toEqual([]);

    const run = await asPair('POST', `/api/tasks/${more.linked}/execute`, {
      role_name: 'implementer',
      force: true,
    });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(leaks(run.body)).toEqual([]);
    expect(run.body.brief.dependencies.map((d: { id: string }) => d.id)).toEqual([ids.taskA]);
    expect(run.body.brief.instructions).toContain('1 dependency not done yet');
    expect(run.body.brief.instructions).not.toContain('subtask');
  });

  it('names no parent of another project on the event stream', async () => {
    const stream = await openEvents(t.url, '/api/events?since=0', pairBot);
    try {
      const late = await made(
        '/api/tasks',
        { title: 'late linked', project_id: ids.a, parent_id: ids.taskB },
        admin,
      );
      const events = await stream.until((all) => changesOf(all).some((change) => change.id === late.id));
      expect(changesOf(events).find((change) => change.id === late.id)).toMatchObject({ parent_id: null });
      expect(stream.text()).not.toContain(ids.taskB);
      expect(stream.text()).toContain(more.linked);
    } finally {
      stream.close();
    }
  });

  it('deletes a task without its subtasks of another project: they lose their parent instead', async () => {
    const doomed = await made('/api/tasks', { title: 'doomed', project_id: ids.a }, admin);
    const mine = await made(
      '/api/tasks',
      { title: 'doomed child', project_id: more.c, parent_id: doomed.id },
      admin,
    );
    const survivor = await made(
      '/api/tasks',
      { title: 'zebra survivor', project_id: ids.b, parent_id: mine.id },
      admin,
    );
    const below = await made(
      '/api/tasks',
      { title: 'zebra below', project_id: ids.b, parent_id: survivor.id },
      admin,
    );
    const deleted = await asPair('DELETE', `/api/tasks/${doomed.id}`);
    expect(deleted.body).toMatchObject({ success: true, deleted_count: 2 });
    expect((await t.http('GET', `/api/tasks/${mine.id}`, undefined, admin)).status).toBe(404);
    const kept = await t.http('GET', `/api/tasks/${survivor.id}`, undefined, admin);
    expect(kept.body).toMatchObject({ parent_id: null, children: [below.id] });
  });

  it('exports a task’s plan without its subtasks of another project', async () => {
    for (const headers of [pairBot, scoped]) {
      const plan = await t.http('GET', `/api/plans/export?task_id=${ids.taskA}`, undefined, headers);
      expect(plan.status).toBe(200);
      expect(plan.body.markdown).toContain('aardvark plan');
      expect(plan.body.markdown).toContain('mine child');
      expect(plan.body.markdown).not.toContain('zebra');
      expect(plan.body.task_count).toBe(2);
    }
    const whole = await t.http('GET', `/api/plans/export?task_id=${ids.taskA}`, undefined, admin);
    expect(whole.body.markdown).toContain('zebra child');
    const linked = await asPair('GET', `/api/plans/export?task_id=${more.linked}`);
    expect(linked.body.markdown).not.toContain('zebra');
    expect(linked.body.task_count).toBe(1);
  });
});
