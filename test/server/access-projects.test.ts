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
