/**
 * The batch and plan tools through the built `bindery mcp` (stdio) against a real `bindery serve` process.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, spawnServe } from '../helpers/process.js';
import { tempWorkspace } from '../helpers/workspace.js';
import { fails, ok, stdioClient } from './helpers.js';

const MISSING = '00000000-0000-4000-8000-000000000000';
const PLAN =
  '# Release @architect\n- [ ] Build #core !high\n  Compile it.\n  - [x] Fetch\n- [ ] Ship after:"Build"\n';

describe('batch and plan tools over stdio', () => {
  let serve: ServeProcess;
  let client: Client;
  const ws = tempWorkspace();

  beforeAll(async () => {
    serve = await spawnServe(ws.dir);
    client = (await stdioClient({ BINDERY_URL: serve.url, BINDERY_TOOLS: 'standard' })).client;
  });

  afterAll(async () => {
    await client?.close();
    serve?.proc.kill('SIGTERM');
    await serve?.exited;
    ws.remove();
  });

  it('are in the standard profile', async () => {
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    for (const name of ['update_tasks', 'complete_tasks', 'import_plan', 'export_plan']) {
      expect(names).toContain(name);
    }
  });

  it('import_plan, export_plan, update_tasks and complete_tasks work together', async () => {
    const project = await ok(client, 'create_project', { project_input: { name: 'mcp plans' } });
    const dry = await ok(client, 'import_plan', { markdown: PLAN, project_id: project.id, dry_run: true });
    expect(dry).toMatchObject({ dry_run: true, task_count: 4 });
    expect((await ok(client, 'list_tasks', { project_id: project.id })).total).toBe(0);

    const made = await ok(client, 'import_plan', { markdown: PLAN, project_id: project.id });
    expect(made.task_count).toBe(4);
    const exported = await ok(client, 'export_plan', { project_id: project.id });
    expect(exported.markdown).toBe(
      '- [ ] Release @architect\n  - [ ] Build #core !high\n    Compile it.\n    - [x] Fetch\n  - [ ] Ship after:"Build"\n',
    );

    const [build, ship] = made.tasks[0].subtasks.map((task: { id: string }) => task.id);
    const refused = await fails(
      client,
      'update_tasks',
      {
        items: [
          { task_id: build, title: 'Build it' },
          { task_id: MISSING, title: 'x' },
        ],
      },
      'not_found',
    );
    expect(refused.error).toContain('nothing was changed');
    expect((await ok(client, 'get_task', { task_id: build })).title).toBe('Build');

    const applied = await ok(client, 'update_tasks', {
      items: [
        { task_id: build, title: 'Build it' },
        { task_id: MISSING, title: 'x' },
      ],
      atomic: false,
    });
    expect(applied).toMatchObject({ succeeded: 1, failed: 1 });
    const done = await ok(client, 'complete_tasks', {
      task_ids: [build, ship],
      completion_notes: 'all done',
    });
    expect(done.results.map((r: { status: string }) => r.status)).toEqual(['done', 'done']);
  });

  it('update_tasks takes its items as a JSON string too, checked like any other input', async () => {
    const task = await ok(client, 'create_task', { task_input: { title: 'items as text' } });
    const items = JSON.stringify([{ task_id: task.id, priority: 'high' }]);
    const updated = await ok(client, 'update_tasks', { items });
    expect(updated).toMatchObject({ succeeded: 1, failed: 0 });
    expect((await ok(client, 'get_task', { task_id: task.id })).priority).toBe('high');
    const smuggled = await fails(
      client,
      'update_tasks',
      { items: `[{"task_id":"${task.id}","labels":{"__proto__":{"x":1}}}]` },
      'validation_error',
    );
    expect(JSON.stringify(smuggled)).toContain('items.0.labels.__proto__');
    const broken = await fails(client, 'update_tasks', { items: '[{"task_id": ' }, 'validation_error');
    expect(JSON.stringify(broken)).toContain('not valid JSON');
  });

  it('a bad plan is a validation error naming the line', async () => {
    const bad = await fails(
      client,
      'import_plan',
      { markdown: '- [ ] a\n- [ ] b @wizard' },
      'validation_error',
    );
    expect(JSON.stringify(bad)).toContain('line 2: unknown role');
  });
});
