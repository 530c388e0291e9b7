/**
 * import_plan and export_plan through a real server on the store under test: a plan with every feature
 * becomes the tree it describes, export writes it back, and export → import reproduces it; a bad plan is
 * refused naming the line and writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.js';

const t = useTestServer();

/** Every feature: headings and nesting, descriptions (with lines that look like marks), every mark. */
const PLAN = `Preamble text before any task is not a task.

# Launch v2 @architect #release !high due:2026-12-01
The whole release.

## Build
- [ ] Write the parser @implementer #core !urgent due:2026-11-20T12:00:00.000Z
  Parse every line of the plan.
  \\- [ ] this line is text, not a subtask

      indented code stays indented
  - [x] Read the spec #core
  - [ ] Handle errors after:"Read the spec" after:3 status:doing
    - [ ] Name the line !low
- [ ] Export it after:"Write the parser" #core #io
## Ship
- [ ] Tag the release @documenter after:"Build" after:4
  Only once #everything is green.
- [ ] \\#1 \\@home title with \\!marks and \\due:words @tester
`;

async function project(): Promise<string> {
  const res = await t.http('POST', '/api/projects', { name: `plan ${Date.now()} ${Math.random()}` });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function importPlan(body: Record<string, unknown>) {
  return t.http('POST', '/api/plans/import', body);
}

async function exportPlan(query: string) {
  const res = await t.http('GET', `/api/plans/export?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** The tree under `ids` as plain fields, dependencies as titles: comparable across two imports. */
async function tree(ids: string[]): Promise<unknown[]> {
  const out = [];
  for (const id of ids) {
    const task = (await t.http('GET', `/api/tasks/${id}`)).body;
    const deps = [];
    for (const dep of task.depends_on) deps.push((await t.http('GET', `/api/tasks/${dep}`)).body.title);
    out.push({
      title: task.title,
      description: task.description,
      status: task.status,
      priority: task.priority,
      tags: task.tags,
      role: task.role,
      due_at: task.due_at,
      done: task.completed_at !== null,
      after: deps.sort(),
      subtasks: await tree(task.children),
    });
  }
  return out;
}

async function taskCount(projectId: string): Promise<number> {
  return (await t.http('GET', `/api/tasks?project_id=${projectId}&limit=1`)).body.total;
}

describe('import_plan', () => {
  it('builds the tree the plan describes, with every mark', async () => {
    const projectId = await project();
    const res = await importPlan({ markdown: PLAN, project_id: projectId });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ dry_run: false, task_count: 10 });
    const [launch] = res.body.tasks;
    expect(launch).toMatchObject({
      item: 1,
      line: 3,
      title: 'Launch v2',
      role: 'architect',
      priority: 'high',
    });
    expect(launch.id).toMatch(/^[0-9a-f-]{36}$/);

    const [root] = await tree([launch.id]);
    expect(root).toEqual({
      title: 'Launch v2',
      description: 'The whole release.',
      status: 'todo',
      priority: 'high',
      tags: ['release'],
      role: 'architect',
      due_at: '2026-12-01T23:59:59.999Z',
      done: false,
      after: [],
      subtasks: [
        {
          title: 'Build',
          description: '',
          status: 'todo',
          priority: 'normal',
          tags: [],
          role: null,
          due_at: null,
          done: false,
          after: [],
          subtasks: [
            expect.objectContaining({
              title: 'Write the parser',
              description:
                'Parse every line of the plan.\n- [ ] this line is text, not a subtask\n\n    indented code stays indented',
              priority: 'urgent',
              role: 'implementer',
              tags: ['core'],
              due_at: '2026-11-20T12:00:00.000Z',
              subtasks: [
                expect.objectContaining({ title: 'Read the spec', status: 'done', done: true }),
                expect.objectContaining({
                  title: 'Handle errors',
                  status: 'doing',
                  after: ['Read the spec', 'Write the parser'],
                  subtasks: [expect.objectContaining({ title: 'Name the line', priority: 'low' })],
                }),
              ],
            }),
            expect.objectContaining({
              title: 'Export it',
              tags: ['core', 'io'],
              after: ['Write the parser'],
            }),
          ],
        },
        expect.objectContaining({
          title: 'Ship',
          subtasks: [
            expect.objectContaining({
              title: 'Tag the release',
              role: 'documenter',
              after: ['Build', 'Read the spec'],
              description: 'Only once #everything is green.',
            }),
            expect.objectContaining({
              title: '#1 @home title with !marks and due:words',
              role: 'tester',
              tags: [],
            }),
          ],
        }),
      ],
    });
    expect(await taskCount(projectId)).toBe(10);
  });

  it('export → import reproduces the tree, and exports the same Markdown again', async () => {
    const first = await project();
    const imported = await importPlan({ markdown: PLAN, project_id: first });
    expect(imported.status).toBe(200);
    const exported = await exportPlan(`project_id=${first}`);
    expect(exported.task_count).toBe(10);

    const second = await project();
    const again = await importPlan({ markdown: exported.markdown, project_id: second });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(await tree(again.body.tasks.map((task: any) => task.id))).toEqual(
      await tree(imported.body.tasks.map((task: any) => task.id)),
    );
    expect((await exportPlan(`project_id=${second}`)).markdown).toBe(exported.markdown);

    // A subtree by task_id: the same lines, less indented.
    const build = imported.body.tasks[0].subtasks[0];
    const sub = await exportPlan(`task_id=${build.id}`);
    expect(sub.task_count).toBe(6);
    expect(sub.markdown.split('\n')[0]).toBe('- [ ] Build');
  });

  it('dry_run answers the tree and writes nothing', async () => {
    const projectId = await project();
    const res = await importPlan({ markdown: PLAN, project_id: projectId, dry_run: true });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ dry_run: true, task_count: 10 });
    expect(res.body.tasks[0]).toMatchObject({ id: null, title: 'Launch v2' });
    expect(res.body.tasks[0].subtasks[1].subtasks[0]).toMatchObject({
      title: 'Tag the release',
      after: [2, 4],
    });
    expect(await taskCount(projectId)).toBe(0);
  });

  it('a retry with the same Idempotency-Key answers the same tasks and creates them once', async () => {
    const projectId = await project();
    const body = { markdown: '- [ ] once\n  - [ ] only once', project_id: projectId };
    const headers = { 'idempotency-key': `plan-${projectId}` };
    const first = await t.http('POST', '/api/plans/import', body, headers);
    const again = await t.http('POST', '/api/plans/import', body, headers);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await taskCount(projectId)).toBe(2);
  });

  it('under parent_id: the plan joins that task and its project', async () => {
    const projectId = await project();
    const parent = (await t.http('POST', '/api/tasks', { title: 'host', project_id: projectId })).body;
    const res = await importPlan({ markdown: '- [ ] one\n- [ ] two after:1\n', parent_id: parent.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const host = (await t.http('GET', `/api/tasks/${parent.id}`)).body;
    expect(host.children).toEqual(res.body.tasks.map((task: any) => task.id));
    const two = (await t.http('GET', `/api/tasks/${res.body.tasks[1].id}`)).body;
    expect(two).toMatchObject({
      project_id: projectId,
      parent_id: parent.id,
      depends_on: [res.body.tasks[0].id],
    });
  });

  const deep = Array.from({ length: 12 }, (_, i) => `${'  '.repeat(i)}- [ ] level ${i}`).join('\n');
  const many = Array.from({ length: 5_001 }, (_, i) => `- [ ] task ${i}`).join('\n');
  it.each([
    ['an unknown role', '# A\n- [ ] b @wizard', 'line 2: unknown role "@wizard"'],
    ['an after: title no task has', '- [ ] a\n- [ ] b after:"Nope"', 'line 2: after:"Nope": no task'],
    ['an after: number past the end', '- [ ] a after:7', 'line 1: after:7 names no item'],
    ['an ambiguous after: title', '- [ ] a\n- [ ] a\n- [ ] c after:a', 'line 3: after:"a": 2 tasks'],
    ['a cycle', '- [ ] a after:3\n- [ ] b after:1\n- [ ] c after:2', 'makes a cycle'],
    ['a bad date', '- [ ] a due:2026-02-30', 'line 1: "due:2026-02-30" is not a date'],
    ['a bad priority', '- [ ] a !soon', 'line 1: "!soon" is not a priority'],
    ['an item without title', '- [ ] #tag', 'line 1: the task has no title'],
    ['depth over 10', deep, 'line 12: nested 11 levels deep'],
    ['more than 5,000 items', many, 'line 5001: a plan holds at most 5000 tasks'],
  ])('%s is a validation error naming the line; nothing is written', async (_name, markdown, reason) => {
    const projectId = await project();
    const res = await importPlan({ markdown, project_id: projectId });
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(400);
    expect(res.body.code).toBe('validation_error');
    expect(res.body.details).toContainEqual({ field: 'markdown', reason: expect.stringContaining(reason) });
    expect(await taskCount(projectId)).toBe(0);
  });

  it('refuses unknown fields, a missing project and an export without exactly one of its ids', async () => {
    expect((await importPlan({ markdown: '- [ ] a', colour: 1 })).body.details).toEqual([
      { field: 'colour', reason: 'unknown field' },
    ]);
    const missing = await importPlan({
      markdown: '- [ ] a',
      project_id: '00000000-0000-4000-8000-000000000000',
    });
    expect(missing.status).toBe(400);
    expect(missing.body.details[0].field).toBe('project_id');
    expect((await t.http('GET', '/api/plans/export')).status).toBe(400);
    const gone = await t.http('GET', '/api/plans/export?task_id=00000000-0000-4000-8000-000000000000');
    expect(gone.status).toBe(404);
  });
});
