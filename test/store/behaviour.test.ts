import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BinderyError } from '../../src/contract/index.js';
import { at, newExecution, newNote, newProject, newTask, STORES } from './stores.js';

/** What a refused write throws: its error code. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  return error instanceof BinderyError ? error.code : `not refused: ${String(error)}`;
}

describe.each(STORES)('the $kind store', ({ open }) => {
  it('writes a task tree in order and reads it back with children, dependencies, tags and labels', async () => {
    const store = await open();
    const dep = newTask({ title: 'dependency' });
    await store.insertTasks([dep]);
    const root = newTask({ title: 'root', tags: ['a', 'b'], labels: { k: 'v', n: 1 }, depends_on: [dep.id] });
    const kids = [
      newTask({ parent_id: root.id, title: 'one' }),
      newTask({ parent_id: root.id, title: 'two' }),
    ];
    const first = await store.insertTasks([root, ...kids]);
    expect(first).toMatchObject({
      id: root.id,
      tags: ['a', 'b'],
      labels: { k: 'v', n: 1 },
      depends_on: [dep.id],
    });
    expect(first.children).toEqual(kids.map((k) => k.id));
    expect(await store.getTask(kids[1]!.id)).toMatchObject({ parent_id: root.id, children: [] });
    expect(await store.getTask(randomUUID())).toBeNull();
    expect(await store.existing('task', [root.id, randomUUID()])).toEqual(new Set([root.id]));
    const summaries = await store.getTaskSummaries([kids[0]!.id, root.id]);
    expect(summaries.map((s) => [s.id, s.child_count])).toEqual([
      [root.id, 2],
      [kids[0]!.id, 0],
    ]);
    expect(Object.keys(summaries[0]!).sort()).toEqual([
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
    ]);
  });

  it('updates fields, bumps the version, and refuses a stale expected version without writing', async () => {
    const store = await open();
    const task = newTask({ tags: ['old'] });
    await store.insertTasks([task]);
    const updated = await store.updateTask(
      task.id,
      { title: 'new', tags: ['x'], labels: { a: true }, due_at: '2026-05-01T10:00:00.000Z' },
      { expectedVersion: 1 },
    );
    expect(updated).toMatchObject({
      title: 'new',
      tags: ['x'],
      labels: { a: true },
      due_at: '2026-05-01T10:00:00.000Z',
      version: 2,
    });
    expect(await codeOf(store.updateTask(task.id, { title: 'lost' }, { expectedVersion: 1 }))).toBe(
      'conflict',
    );
    expect((await store.getTask(task.id))?.title).toBe('new');
    expect((await store.listTasks({ tag: 'x' }, { limit: 10 }, 'summary')).total).toBe(1);
    expect((await store.listTasks({ tag: 'old' }, { limit: 10 }, 'summary')).total).toBe(0);
    expect(await codeOf(store.updateTask(randomUUID(), { title: 'x' }))).toBe('not_found');
  });

  it('refuses parent and dependency cycles and keeps the graph as it was', async () => {
    const store = await open();
    const a = newTask();
    const b = newTask({ parent_id: a.id });
    const c = newTask({ parent_id: b.id });
    await store.insertTasks([a, b, c]);
    expect(await codeOf(store.updateTask(a.id, { parent_id: c.id }))).toBe('conflict');
    expect(await codeOf(store.updateTask(a.id, { parent_id: a.id }))).toBe('conflict');
    await store.updateTask(b.id, { depends_on: [c.id] });
    expect(await codeOf(store.updateTask(c.id, { depends_on: [b.id] }))).toBe('conflict');
    expect(await codeOf(store.updateTask(c.id, { depends_on: [c.id] }))).toBe('conflict');
    expect((await store.getTask(a.id))?.parent_id).toBeNull();
    expect((await store.getTask(c.id))?.depends_on).toEqual([]);
    expect((await store.getTask(b.id))?.depends_on).toEqual([c.id]);
  });

  it('applies a batch in order: each, all (rolled back on any failure) and check (never committed)', async () => {
    const store = await open();
    const [a, b] = [newTask({ title: 'a' }), newTask({ title: 'b' })];
    await store.insertTasks([a, b]);
    const writes = (title: string) => [
      { id: a.id, changes: { title }, options: {} },
      { id: randomUUID(), changes: { title }, options: {} },
      { id: b.id, changes: { title }, options: { expectedVersion: 9 } },
      { id: b.id, changes: { depends_on: [b.id] }, options: {} },
      { id: b.id, changes: { title: `${title} b` }, options: { expectedVersion: 1 } },
    ];
    const expected = (committed: boolean) => ({
      committed,
      outcomes: [
        { ok: true, version: 2, status: 'todo' },
        { ok: false, error: expect.objectContaining({ code: 'not_found' }) },
        { ok: false, error: expect.objectContaining({ code: 'conflict', details: expect.anything() }) },
        { ok: false, error: expect.objectContaining({ code: 'conflict' }) },
        { ok: true, version: 2, status: 'todo' },
      ],
    });
    expect(await store.updateTasks(writes('all'), 'all')).toEqual(expected(false));
    expect(await store.updateTasks(writes('check'), 'check')).toEqual(expected(false));
    expect(await store.getTask(a.id)).toMatchObject({ title: 'a', version: 1 });
    expect(await store.getTask(b.id)).toMatchObject({ title: 'b', depends_on: [], version: 1 });
    expect(await store.updateTasks(writes('each'), 'each')).toEqual(expected(true));
    expect(await store.getTask(a.id)).toMatchObject({ title: 'each', version: 2 });
    expect(await store.getTask(b.id)).toMatchObject({ title: 'each b', depends_on: [], version: 2 });
    const good = await store.updateTasks([{ id: a.id, changes: { title: 'all ok' }, options: {} }], 'all');
    expect(good).toEqual({ committed: true, outcomes: [{ ok: true, version: 3, status: 'todo' }] });
  });

  it('writes a task list and answers its ids in order', async () => {
    const store = await open();
    const root = newTask();
    const kids = [newTask({ parent_id: root.id }), newTask({ parent_id: root.id, depends_on: [] })];
    const later = newTask({ parent_id: root.id });
    kids[0]!.depends_on = [later.id];
    const ids = await store.insertTaskList([root, ...kids, later]);
    expect(ids).toEqual([root.id, kids[0]!.id, kids[1]!.id, later.id]);
    expect(await store.getTask(kids[0]!.id)).toMatchObject({ depends_on: [later.id] });
  });

  it('claims an execution once, refuses a second claim, and with force cancels the running one', async () => {
    const store = await open();
    const task = newTask();
    await store.insertTasks([task]);
    const first = newExecution(task.id);
    const claimed = await store.claimExecution(task.id, {
      execution: first,
      force: false,
      taskChanges: { status: 'doing', role: 'implementer' },
    });
    expect(claimed).toMatchObject({
      task: { status: 'doing', role: 'implementer', version: 2 },
      cancelled: null,
    });
    const second = newExecution(task.id, { role: 'tester' });
    expect(
      await codeOf(store.claimExecution(task.id, { execution: second, force: false, taskChanges: {} })),
    ).toBe('conflict');
    const forced = await store.claimExecution(task.id, {
      execution: second,
      force: true,
      taskChanges: { role: 'tester' },
    });
    expect(forced.cancelled).toMatchObject({
      id: first.id,
      status: 'cancelled',
      finished_at: second.started_at,
    });
    expect(
      await codeOf(
        store.claimExecution(randomUUID(), {
          execution: newExecution(task.id),
          force: false,
          taskChanges: {},
        }),
      ),
    ).toBe('not_found');
    const done = await store.updateTask(
      task.id,
      { status: 'done' },
      { closeExecution: { status: 'completed', finished_at: at(), notes: 'ok' } },
    );
    expect(done.status).toBe('done');
    const again = await store.claimExecution(task.id, {
      execution: newExecution(task.id),
      force: false,
      taskChanges: {},
    });
    expect(again.cancelled).toBeNull();
  });

  it('lets exactly one of many simultaneous claims win, while reads run between them', async () => {
    const store = await open();
    const task = newTask();
    await store.insertTasks([task]);
    const claims = Array.from({ length: 12 }, () =>
      store.claimExecution(task.id, {
        execution: newExecution(task.id),
        force: false,
        taskChanges: { status: 'doing' },
      }),
    );
    const reads = Array.from({ length: 12 }, () => store.getTask(task.id));
    const outcomes = await Promise.allSettled(claims);
    await Promise.all(reads);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refusals = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [(o.reason as BinderyError).code] : [],
    );
    expect(refusals).toEqual(Array(11).fill('conflict'));
    expect((await store.getTask(task.id))?.version).toBe(2);
  });

  it('writes nothing of a task tree when one of its tasks cannot be written', async () => {
    const store = await open();
    const root = newTask();
    const orphan = newTask({ parent_id: randomUUID() });
    expect(await codeOf(store.insertTasks([root, orphan]))).toBe('conflict');
    expect(await store.getTask(root.id)).toBeNull();
    expect((await store.listTasks({}, { limit: 10 }, 'summary')).total).toBe(0);
    expect(await store.insertTasks([newTask()])).toMatchObject({ version: 1 });
  });

  it('pages tasks newest first and children oldest first with opaque cursors and exact totals', async () => {
    const store = await open();
    const project = newProject();
    await store.insertProject(project);
    const parent = newTask();
    const kids = Array.from({ length: 5 }, (_, i) =>
      newTask({ parent_id: parent.id, project_id: project.id, priority: i % 2 ? 'high' : 'low' }),
    );
    await store.insertTasks([parent, ...kids]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listTasks({ project_id: project.id }, { limit: 2, cursor }, 'full');
      expect(page.total).toBe(5);
      seen.push(...page.items.map((t) => t.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(kids.map((k) => k.id).reverse());
    expect(
      (await store.listTasks({ project_id: project.id, priority: 'high' }, { limit: 10 }, 'summary')).total,
    ).toBe(2);
    expect(
      (await store.listTasks({ parent_id: null }, { limit: 10 }, 'summary')).items.map((t) => t.id),
    ).toEqual([parent.id]);
    const children = await store.listChildren(parent.id, { limit: 3 });
    expect(children.items.map((t) => t.id)).toEqual(kids.slice(0, 3).map((k) => k.id));
    const rest = await store.listChildren(parent.id, { limit: 3, cursor: children.next_cursor! });
    expect(rest).toMatchObject({ total: 5, next_cursor: null });
    expect(await codeOf(store.listTasks({}, { limit: 2, cursor: 'bogus' }, 'summary'))).toBe(
      'validation_error',
    );
    expect(await store.deleteTaskTree(parent.id)).toBe(6);
    expect(await store.deleteTaskTree(parent.id)).toBe(0);
  });

  it('keeps project names unique, counts open tasks, and detaches tasks when a project goes', async () => {
    const store = await open();
    const project = await store.insertProject(newProject({ name: 'alpha', tags: ['t'] }));
    expect(project).toMatchObject({
      name: 'alpha',
      tags: ['t'],
      task_count: 0,
      open_task_count: 0,
      version: 1,
    });
    expect(await codeOf(store.insertProject(newProject({ name: 'alpha' })))).toBe('conflict');
    const other = await store.insertProject(newProject({ name: 'beta' }));
    expect(await codeOf(store.updateProject(other.id, { name: 'alpha' }))).toBe('conflict');
    expect(await codeOf(store.updateProject(other.id, { name: 'gamma' }, { expectedVersion: 2 }))).toBe(
      'conflict',
    );
    expect(
      await store.updateProject(other.id, { name: 'gamma', tags: ['u'] }, { expectedVersion: 1 }),
    ).toMatchObject({ name: 'gamma', tags: ['u'], version: 2 });
    await store.insertTasks([
      newTask({ project_id: project.id }),
      newTask({ project_id: project.id, status: 'done' }),
    ]);
    expect(await store.getProject(project.id)).toMatchObject({ task_count: 2, open_task_count: 1 });
    const page = await store.listProjects({ limit: 1 });
    expect(page).toMatchObject({ total: 2, items: [{ id: project.id }] });
    expect((await store.listProjects({ limit: 1, cursor: page.next_cursor! })).items[0]?.id).toBe(other.id);
    expect(await store.deleteProject(project.id)).toEqual({ detached_tasks: 2 });
    expect(await store.deleteProject(project.id)).toBeNull();
    expect((await store.listTasks({}, { limit: 10 }, 'full')).items.every((t) => t.project_id === null)).toBe(
      true,
    );
  });

  it('writes, filters, versions and deletes notes', async () => {
    const store = await open();
    const project = await store.insertProject(newProject());
    const note = await store.insertNote(newNote({ tags: ['idea'], project_id: project.id }));
    await store.insertNote(newNote());
    expect((await store.listNotes({ tag: 'idea' }, { limit: 10 })).items.map((n) => n.id)).toEqual([note.id]);
    expect((await store.listNotes({ project_id: project.id }, { limit: 10 })).total).toBe(1);
    expect((await store.listNotes({}, { limit: 1 })).next_cursor).not.toBeNull();
    expect(await codeOf(store.updateNote(note.id, { title: 'x' }, { expectedVersion: 5 }))).toBe('conflict');
    expect(
      await store.updateNote(note.id, { title: 'renamed', tags: ['later'], project_id: null }),
    ).toMatchObject({ title: 'renamed', tags: ['later'], project_id: null, version: 2 });
    expect((await store.listNotes({ tag: 'idea' }, { limit: 10 })).total).toBe(0);
    expect(await store.deleteNote(note.id)).toBe(true);
    expect(await store.deleteNote(note.id)).toBe(false);
    expect(await store.getNote(note.id)).toBeNull();
  });

  it('stores a document with its chunks, finds it by hash, refuses a twin and deletes it', async () => {
    const store = await open();
    const content = '# Title\n\nfirst part\n\n## Next\n\nsecond part';
    const hash = createHash('sha256').update(content).digest('hex');
    const document = {
      id: randomUUID(),
      title: 'guide',
      content,
      document_type: 'markdown' as const,
      source_path: 'docs/guide.md',
      tags: ['doc'],
      project_id: null,
      content_hash: hash,
      chunk_count: 2,
      size_bytes: content.length,
      created_at: at(),
    };
    const chunks = [
      { index: 0, start: 0, end: 20, heading_path: ['Title'], text: content.slice(0, 20) },
      { index: 1, start: 20, end: content.length, heading_path: ['Title', 'Next'], text: content.slice(20) },
    ];
    await store.insertDocument(document, chunks);
    expect(await store.findDocumentByHash(hash)).toMatchObject({
      id: document.id,
      tags: ['doc'],
      chunk_count: 2,
    });
    const read = await store.getDocument(document.id);
    expect(read?.content).toBe(content);
    expect(read?.chunks).toEqual(chunks.map(({ text: _text, ...c }) => c));
    expect(await codeOf(store.insertDocument({ ...document, id: randomUUID() }, chunks))).toBe('conflict');
    expect((await store.listDocuments({ document_type: 'markdown' }, { limit: 5 })).total).toBe(1);
    expect((await store.listDocuments({ document_type: 'code' }, { limit: 5 })).total).toBe(0);
    expect(await store.deleteDocument(document.id)).toBe(true);
    expect(await store.getDocument(document.id)).toBeNull();
  });

  it('counts the dashboard: statuses, priorities, due dates, recent tasks and totals', async () => {
    const store = await open();
    const now = new Date();
    const hours = (h: number) => new Date(now.getTime() + h * 3_600_000).toISOString();
    const project = await store.insertProject(newProject());
    await store.insertTasks([newTask({ status: 'done', priority: 'urgent', project_id: project.id })]);
    await store.insertTasks([newTask({ due_at: hours(-1), priority: 'high' })]);
    const last = newTask({ due_at: hours(24), project_id: project.id });
    await store.insertTasks([last]);
    await store.insertNote(newNote());
    const counts = await store.dashboardCounts(now);
    expect(counts).toMatchObject({
      total_tasks: 3,
      completed_tasks: 1,
      active_projects: 1,
      overdue_tasks: 1,
      upcoming_tasks: 1,
      total_projects: 1,
      total_notes: 1,
      total_documents: 0,
      status_breakdown: { todo: 2, done: 1, doing: 0 },
      priority_breakdown: { urgent: 1, high: 1, normal: 1, low: 0 },
      pending_tasks_by_priority: { urgent: 0, high: 1, normal: 1 },
    });
    expect(counts.recent_tasks[0]?.id).toBe(last.id);
    expect(counts.recent_tasks).toHaveLength(3);
  });
});
