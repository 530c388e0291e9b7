/**
 * Every tool through a real MCP client, over both transports: stdio (the built `bindery mcp` against a real
 * `bindery serve`) and Streamable HTTP (that server's /mcp, in-process service).
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, spawnServe } from '../helpers/process.js';
import { httpHelper } from '../helpers/server.js';
import { tempWorkspace } from '../helpers/workspace.js';
import { call, chain, fails, httpClient, ok, SEED_TOOLS, stdioClient } from './helpers.js';

const COMPANIONS = ['list_projects', 'get_project', 'create_note', 'get_document', 'list_documents'];
const MISSING = '00000000-0000-4000-8000-000000000000';

/** The fields of a task that two creates from the same input share. */
function comparable(task: Record<string, unknown>) {
  const { id: _id, created_at: _c, updated_at: _u, children, ...rest } = task;
  return { ...rest, child_count: (children as unknown[]).length };
}

describe.each(['stdio', 'http'] as const)('MCP tools over %s', (transport) => {
  let serve: ServeProcess;
  let client: Client;
  let rest: ReturnType<typeof httpHelper>;
  const ws = tempWorkspace();

  beforeAll(async () => {
    serve = await spawnServe(ws.dir);
    rest = httpHelper(serve.url);
    client =
      transport === 'http'
        ? await httpClient(serve.url)
        : (await stdioClient({ BINDERY_URL: serve.url })).client;
  });

  afterAll(async () => {
    await client?.close();
    serve?.proc.kill('SIGTERM');
    await serve?.exited;
    ws.remove();
  });

  const taskCount = async () => (await ok(client, 'list_tasks', { limit: 1 })).total as number;

  it('lists the tools of §3 and their companions, strict and small', async () => {
    const listing = await client.listTools();
    const size = JSON.stringify(listing).length;
    expect(size).toBeLessThanOrEqual(32 * 1024);
    const names = listing.tools.map((t) => t.name);
    for (const name of [...SEED_TOOLS, ...COMPANIONS]) expect(names).toContain(name);
    for (const tool of listing.tools) {
      expect(tool.description?.length).toBeGreaterThan(20);
      expect(tool.inputSchema.additionalProperties, tool.name).toBe(false);
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.annotations).toMatchObject({ openWorldHint: false });
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint'] as const) {
        expect(tool.annotations?.[hint], `${tool.name} ${hint}`).toBeTypeOf('boolean');
      }
    }
    const params = (name: string) =>
      Object.keys(listing.tools.find((t) => t.name === name)!.inputSchema.properties!);
    expect(params('execute_task')).toEqual(['task_id', 'role_name', 'force', 'lease_s']);
    expect(params('update_task')).toEqual(['task_id', 'task_update']);
    expect(params('complete_task')).toEqual(['task_id', 'completion_notes']);
    expect(params('list_tasks').sort()).toEqual(
      [
        'project_id',
        'status',
        'priority',
        'parent_id',
        'tag',
        'role',
        'ready',
        'detail',
        'limit',
        'cursor',
      ].sort(),
    );
  });

  it('create_task: an object and a JSON string of it give the same task; tricky text round-trips exactly', async () => {
    const input = {
      title: 'Ship // it /* now */ via http://example.com/a?b=1#c and "quoted" \'single\' \\ back',
      description: 'line 1\nline 2\ttab "q" {"json": true} // not a comment',
      tags: ['a b', 'ü', 'http://tag'],
      labels: { url: 'http://x//y', nested: { n: 1.5, list: [1, 'two', null, false] } },
      priority: 'critical',
      status: 'pending',
      due_at: '2031-01-02T03:04:05+02:00',
    };
    const fromObject = await ok(client, 'create_task', { task_input: input });
    const fromString = await ok(client, 'create_task', { task_input: JSON.stringify(input) });
    const fromPretty = await ok(client, 'create_task', { task_input: JSON.stringify(input, null, 2) });
    expect(comparable(fromString)).toEqual(comparable(fromObject));
    expect(comparable(fromPretty)).toEqual(comparable(fromObject));
    expect(fromString).toMatchObject({
      title: input.title,
      description: input.description,
      tags: input.tags,
      labels: input.labels,
      priority: 'urgent',
      status: 'todo',
      due_at: '2031-01-02T01:04:05.000Z',
    });
    expect(await ok(client, 'get_task', { task_id: fromString.id })).toEqual(fromString);
  });

  it('JSON-string and object inputs fail the same way, naming the field', async () => {
    const bad = { title: '', priority: 'someday' };
    const a = await fails(client, 'create_task', { task_input: bad }, 'validation_error');
    const b = await fails(client, 'create_task', { task_input: JSON.stringify(bad) }, 'validation_error');
    expect(b).toEqual(a);
    const fields = a.context.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(['task_input.priority', 'task_input.title']);

    const broken = await fails(client, 'create_task', { task_input: '{"title": "x",}' }, 'validation_error');
    expect(broken.context.details[0]).toMatchObject({ field: 'task_input' });
    expect(broken.context.details[0].reason).toMatch(/not valid JSON/);
    const array = await fails(client, 'create_task', { task_input: '[{"title":"x"}]' }, 'validation_error');
    expect(array.context.details[0].reason).toMatch(/must be a JSON object/);
    const number = await fails(client, 'create_task', { task_input: 42 }, 'validation_error');
    expect(number.context.details[0]).toEqual({
      field: 'task_input',
      reason: 'must be an object or a JSON string of one',
    });
    await fails(client, 'create_task', {}, 'validation_error');
  });

  it('creates a 10-level subtask tree at once and reads it back whole; 11 levels are refused, nothing written', async () => {
    const before = await taskCount();
    const root = await ok(client, 'create_task', { task_input: chain(10) });
    let node = root;
    for (let level = 0; level <= 10; level++) {
      expect(node.title).toBe(`level ${level}`);
      expect(node.children).toHaveLength(level < 10 ? 1 : 0);
      if (level < 10) {
        const child = await ok(client, 'get_task', { task_id: node.children[0] });
        expect(child.parent_id).toBe(node.id);
        node = child;
      }
    }
    expect(await taskCount()).toBe(before + 11);

    for (const task_input of [chain(11), JSON.stringify(chain(11))]) {
      const refused = await fails(client, 'create_task', { task_input }, 'task_depth_exceeded');
      expect(refused.context.details[0].field).toBe(`task_input${'.subtasks.0'.repeat(11)}`);
      expect(refused.suggestions[0]).toMatch(/10 levels/);
    }
    expect(await taskCount()).toBe(before + 11);
  });

  it('create_task refuses references to missing tasks or projects as a whole', async () => {
    const before = await taskCount();
    const refused = await fails(
      client,
      'create_task',
      { task_input: { title: 'r', subtasks: [{ title: 'ok' }, { title: 'bad', depends_on: [MISSING] }] } },
      'validation_error',
    );
    expect(refused.context.details).toEqual([
      { field: 'task_input.subtasks.1.depends_on.0', reason: `no task with id ${MISSING}` },
    ]);
    expect(await taskCount()).toBe(before);
  });

  it('get_task: not_found says where ids come from; a malformed id is a validation_error', async () => {
    const missing = await fails(client, 'get_task', { task_id: MISSING }, 'not_found');
    expect(missing.suggestions).toEqual(['list_tasks shows the ids that exist.']);
    expect(missing.context).toEqual({ details: { task_id: MISSING } });
    const malformed = await fails(client, 'get_task', { task_id: 'abc' }, 'validation_error');
    expect(malformed.context.details[0].field).toBe('task_id');
    const typed = await fails(client, 'get_task', { task_id: 7 }, 'validation_error');
    expect(typed.context.details[0].field).toBe('task_id');
    const extra = await fails(client, 'get_task', { task_id: MISSING, verbose: true }, 'validation_error');
    expect(extra.context.details).toEqual([{ field: 'verbose', reason: 'unknown field' }]);
  });

  it('update_task persists every field it is given, object or JSON string', async () => {
    const project = await ok(client, 'create_project', { project_input: { name: `upd ${transport}` } });
    const parent = await ok(client, 'create_task', { task_input: { title: 'parent' } });
    const dependency = await ok(client, 'create_task', { task_input: { title: 'dependency' } });
    const task = await ok(client, 'create_task', { task_input: { title: 'target' } });
    const changes: [string, unknown, unknown][] = [
      ['title', 'renamed // "x" /* y */', 'renamed // "x" /* y */'],
      ['description', 'http://example.com/x?y=1', 'http://example.com/x?y=1'],
      ['status', 'in_progress', 'doing'],
      ['priority', 'medium', 'normal'],
      ['tags', ['x', 'y'], ['x', 'y']],
      ['labels', { k: { deep: [1, 2] } }, { k: { deep: [1, 2] } }],
      ['parent_id', parent.id, parent.id],
      ['project_id', project.id, project.id],
      ['role', 'tester', 'tester'],
      ['depends_on', [dependency.id], [dependency.id]],
      ['due_at', '2030-05-06T09:08:09+02:00', '2030-05-06T07:08:09.000Z'],
      ['completion_notes', 'notes "quoted"', 'notes "quoted"'],
      ['parent_id', null, null],
      ['project_id', null, null],
      ['role', null, null],
      ['due_at', null, null],
      ['completion_notes', null, null],
    ];
    let version = task.version;
    for (const [index, [field, value, expected]] of changes.entries()) {
      const update = { [field]: value };
      const task_update = index % 2 ? JSON.stringify(update) : update;
      const updated = await ok(client, 'update_task', { task_id: task.id, task_update });
      expect(updated[field], field).toEqual(expected);
      expect(updated.version).toBe(++version);
      expect((await ok(client, 'get_task', { task_id: task.id }))[field], field).toEqual(expected);
    }
    const rows = (await rest('GET', `/api/tasks/${task.id}`)).body;
    expect(rows).toMatchObject({
      title: 'renamed // "x" /* y */',
      tags: ['x', 'y'],
      depends_on: [dependency.id],
    });

    const done = await ok(client, 'update_task', { task_id: task.id, task_update: { status: 'completed' } });
    expect(done.completed_at).toBeTypeOf('string');
    const reopened = await ok(client, 'update_task', { task_id: task.id, task_update: { status: 'todo' } });
    expect(reopened.completed_at).toBeNull();
  });

  it('update_task: stale expected_version is a conflict and changes nothing; bad updates name the field', async () => {
    const task = await ok(client, 'create_task', { task_input: { title: 'guarded' } });
    await ok(client, 'update_task', {
      task_id: task.id,
      task_update: { title: 'first', expected_version: 1 },
    });
    const conflict = await fails(
      client,
      'update_task',
      { task_id: task.id, task_update: { title: 'second', expected_version: 1 } },
      'conflict',
    );
    expect(conflict.suggestions[0]).toMatch(/version/);
    expect((await ok(client, 'get_task', { task_id: task.id })).title).toBe('first');

    const empty = await fails(
      client,
      'update_task',
      { task_id: task.id, task_update: {} },
      'validation_error',
    );
    expect(empty.context.details[0].field).toBe('task_update');
    const unknown = await fails(
      client,
      'update_task',
      { task_id: task.id, task_update: { task_id: task.id, title: 'x' } },
      'validation_error',
    );
    expect(unknown.context.details).toEqual([{ field: 'task_update.task_id', reason: 'unknown field' }]);
    const role = await fails(
      client,
      'update_task',
      { task_id: task.id, task_update: { role: 'astronaut' } },
      'validation_error',
    );
    expect(role.context.details[0]).toMatchObject({ field: 'task_update.role' });
    await fails(client, 'update_task', { task_id: MISSING, task_update: { title: 'x' } }, 'not_found');
  });

  it('list_tasks filters and pages', async () => {
    const project = await ok(client, 'create_project', { project_input: { name: `list ${transport}` } });
    const root = await ok(client, 'create_task', {
      task_input: {
        title: 'list root',
        project_id: project.id,
        tags: ['listed'],
        subtasks: [{ title: 'a', status: 'in_progress' }, { title: 'b' }, { title: 'c', priority: 'high' }],
      },
    });
    const all = await ok(client, 'list_tasks', { project_id: project.id });
    expect(all.total).toBe(4);
    expect(all.items[0]).toHaveProperty('child_count');
    expect((await ok(client, 'list_tasks', { project_id: project.id, status: 'in_progress' })).total).toBe(1);
    expect((await ok(client, 'list_tasks', { parent_id: root.id, priority: 'high' })).total).toBe(1);
    expect((await ok(client, 'list_tasks', { tag: 'listed' })).items.map((t: any) => t.id)).toEqual([
      root.id,
    ]);
    const full = await ok(client, 'list_tasks', { parent_id: root.id, detail: 'full' });
    expect(full.items[0]).toHaveProperty('description');
    const first = await ok(client, 'list_tasks', { project_id: project.id, limit: 3 });
    expect(first.items).toHaveLength(3);
    const second = await ok(client, 'list_tasks', {
      project_id: project.id,
      limit: 3,
      cursor: first.next_cursor,
    });
    expect(second.items).toHaveLength(1);
    expect(second.next_cursor).toBeNull();
    const bad = await fails(client, 'list_tasks', { limit: 0 }, 'validation_error');
    expect(bad.context.details[0].field).toBe('limit');
    await fails(client, 'list_tasks', { status: 'someday' }, 'validation_error');
  });

  it('complete_task returns {success, task, completion_notes}', async () => {
    const task = await ok(client, 'create_task', { task_input: { title: 'to complete' } });
    const done = await ok(client, 'complete_task', { task_id: task.id, completion_notes: 'shipped "v2"' });
    expect(done).toMatchObject({ success: true, completion_notes: 'shipped "v2"' });
    expect(done.task).toMatchObject({ id: task.id, status: 'done', completion_notes: 'shipped "v2"' });
    expect(done.task.completed_at).toBeTypeOf('string');
    const plain = await ok(client, 'complete_task', {
      task_id: (await ok(client, 'create_task', { task_input: { title: 'no notes' } })).id,
    });
    expect(plain.completion_notes).toBeNull();
    await fails(client, 'complete_task', { task_id: MISSING }, 'not_found');
  });

  it('execute_task claims a task for a role; a second claim conflicts unless forced', async () => {
    const task = await ok(client, 'create_task', {
      task_input: { title: 'to execute', subtasks: [{ title: 'sub' }] },
    });
    const run = await ok(client, 'execute_task', { task_id: task.id, role_name: 'implementer' });
    expect(run).toMatchObject({ success: true, task_id: task.id, role_assigned: 'implementer' });
    expect(run.execution_id).toMatch(/^exec_/);
    expect(run.brief.task).toMatchObject({ id: task.id, status: 'doing', role: 'implementer' });
    expect(run.brief.subtasks).toHaveLength(1);
    expect(run.brief.role.name).toBe('implementer');
    expect(run.brief.instructions).toContain('complete_task');

    const again = await fails(client, 'execute_task', { task_id: task.id, role_name: 'tester' }, 'conflict');
    expect(again.error).toMatch(/running|execution/i);
    const forced = await ok(client, 'execute_task', { task_id: task.id, role_name: 'tester', force: true });
    expect(forced.execution_id).not.toBe(run.execution_id);
    expect(forced.role_assigned).toBe('tester');

    const unknown = await fails(
      client,
      'execute_task',
      { task_id: task.id, role_name: 'astronaut' },
      'validation_error',
    );
    expect(unknown.context.details[0].field).toBe('role_name');
    const apiName = await fails(
      client,
      'execute_task',
      { task_id: task.id, role: 'tester' },
      'validation_error',
    );
    expect(apiName.context.details.map((d: any) => d.field).sort()).toEqual(['role', 'role_name']);
    await fails(client, 'execute_task', { task_id: MISSING, role_name: 'tester' }, 'not_found');
  });

  it('assign_role_to_task returns {success, task_id, role_assigned, task}', async () => {
    const task = await ok(client, 'create_task', { task_input: { title: 'to assign' } });
    const assigned = await ok(client, 'assign_role_to_task', { task_id: task.id, role_name: 'reviewer' });
    expect(assigned).toMatchObject({ success: true, task_id: task.id, role_assigned: 'reviewer' });
    expect(assigned.task.role).toBe('reviewer');
    expect((await ok(client, 'get_task', { task_id: task.id })).role).toBe('reviewer');
    const unknown = await fails(
      client,
      'assign_role_to_task',
      { task_id: task.id, role_name: 'astronaut' },
      'validation_error',
    );
    expect(unknown.context.details[0].field).toBe('role_name');
    expect(unknown.context.details[0].reason).toMatch(/known roles/);
    await fails(client, 'assign_role_to_task', { task_id: MISSING, role_name: 'reviewer' }, 'not_found');
  });

  it('delete_task removes the subtree', async () => {
    const root = await ok(client, 'create_task', { task_input: chain(3, 'doomed') });
    const deleted = await ok(client, 'delete_task', { task_id: root.id });
    expect(deleted).toEqual({ success: true, task_id: root.id, deleted_count: 4 });
    await fails(client, 'get_task', { task_id: root.id }, 'not_found');
    await fails(client, 'delete_task', { task_id: root.id }, 'not_found');
  });

  it('list_roles lists the built-in roles', async () => {
    const roles = await ok(client, 'list_roles');
    expect(roles.success).toBe(true);
    expect(roles.total_roles).toBe(roles.roles.length);
    const names = roles.roles.map((r: { name: string }) => r.name);
    for (const name of ['architect', 'implementer', 'tester', 'reviewer', 'documenter', 'researcher']) {
      expect(names).toContain(name);
    }
    await fails(client, 'list_roles', { filter: 'x' }, 'validation_error');
  });

  it('projects: create, read, list, update; a duplicate name conflicts', async () => {
    const name = `Project "${transport}" // one`;
    const project = await ok(client, 'create_project', {
      project_input: JSON.stringify({ name, description: 'd', tags: ['p'] }),
    });
    expect(project).toMatchObject({ name, description: 'd', tags: ['p'], task_count: 0, version: 1 });
    await ok(client, 'create_task', { task_input: { title: 'in project', project_id: project.id } });
    expect(await ok(client, 'get_project', { project_id: project.id })).toMatchObject({
      task_count: 1,
      open_task_count: 1,
    });
    const listed = await ok(client, 'list_projects', { limit: 500 });
    expect(listed.items.map((p: { id: string }) => p.id)).toContain(project.id);
    const renamed = await ok(client, 'update_project', {
      project_id: project.id,
      project_update: { name: `${name} renamed`, expected_version: 1 },
    });
    expect(renamed).toMatchObject({ name: `${name} renamed`, version: 2 });
    await fails(
      client,
      'update_project',
      { project_id: project.id, project_update: { description: 'x', expected_version: 1 } },
      'conflict',
    );
    await fails(client, 'create_project', { project_input: { name: `${name} renamed` } }, 'conflict');
    const empty = await fails(client, 'create_project', { project_input: { name: '' } }, 'validation_error');
    expect(empty.context.details[0].field).toBe('project_input.name');
    const missing = await fails(client, 'get_project', { project_id: MISSING }, 'not_found');
    expect(missing.suggestions).toEqual(['list_projects shows the ids that exist.']);
  });

  it('notes: create, read, list, update, delete', async () => {
    const project = await ok(client, 'create_project', { project_input: { name: `notes ${transport}` } });
    const content = '# Heading\n\nSee http://example.com // and /* this */ and "quotes".\n';
    const note = await ok(client, 'create_note', {
      note_input: JSON.stringify({ title: 'A note', content, tags: ['n'], project_id: project.id }),
    });
    expect(note).toMatchObject({ title: 'A note', content, tags: ['n'], project_id: project.id });
    expect(await ok(client, 'get_note', { note_id: note.id })).toEqual(note);
    const listed = await ok(client, 'list_notes', { project_id: project.id });
    expect(listed.items.map((n: { id: string }) => n.id)).toEqual([note.id]);
    const updated = await ok(client, 'update_note', { note_id: note.id, note_update: { content: 'new' } });
    expect(updated).toMatchObject({ content: 'new', version: 2 });
    expect(await ok(client, 'delete_note', { note_id: note.id })).toMatchObject({ success: true });
    const missing = await fails(client, 'get_note', { note_id: note.id }, 'not_found');
    expect(missing.suggestions).toEqual(['list_notes shows the ids that exist.']);
    const big = await ok(client, 'create_note', {
      note_input: { title: 'big', content: 'x'.repeat(60_000) },
    });
    expect(big.content).toHaveLength(60_000);
    await fails(client, 'create_note', { note_input: { title: '' } }, 'validation_error');
  });

  it('documents: index (deduplicated the second time), read and list', async () => {
    const content = `# Guide ${transport}\n\nIntro text.\n\n## Install\n\nRun it.\n\n## Use\n\nCall it.\n`;
    const input = { title: 'Guide', content, document_type: 'markdown', tags: ['doc'] };
    const indexed = await ok(client, 'index_document', { document_input: input });
    expect(indexed).toMatchObject({ success: true, deduplicated: false });
    expect(indexed.chunks_created).toBeGreaterThanOrEqual(2);
    const again = await ok(client, 'index_document', { document_input: JSON.stringify(input) });
    expect(again).toMatchObject({ success: true, deduplicated: true, document_id: indexed.document_id });
    const document = await ok(client, 'get_document', { document_id: indexed.document_id });
    expect(document).toMatchObject({ title: 'Guide', content, document_type: 'markdown' });
    const listed = await ok(client, 'list_documents', { document_type: 'markdown' });
    expect(listed.items.map((d: { id: string }) => d.id)).toContain(indexed.document_id);
    const missing = await fails(client, 'get_document', { document_id: MISSING }, 'not_found');
    expect(missing.suggestions).toEqual(['list_documents shows the ids that exist.']);
    await fails(
      client,
      'index_document',
      { document_input: { title: 'empty', content: '' } },
      'validation_error',
    );
  });

  it('search_entities finds what was stored; query text is never syntax', async () => {
    const word = `zanzibar${transport}`;
    const task = await ok(client, 'create_task', { task_input: { title: `Visit ${word} soon` } });
    const found = await ok(client, 'search_entities', { search_input: { query: word } });
    expect(found.query).toBe(word);
    expect(found.results.map((r: { id: string }) => r.id)).toContain(task.id);
    expect(found.total_results).toBeGreaterThanOrEqual(1);
    for (const query of ['"unbalanced', 'a AND (b OR', 'NEAR(x y)', '*', 'title:x -y']) {
      const answer = await ok(client, 'search_entities', { search_input: JSON.stringify({ query }) });
      expect(answer.query).toBe(query);
    }
    const empty = await fails(client, 'search_entities', { search_input: { query: '' } }, 'validation_error');
    expect(empty.context.details[0].field).toBe('search_input.query');
  });

  it('get_dashboard_stats counts what exists', async () => {
    const stats = await ok(client, 'get_dashboard_stats');
    expect(stats.total_tasks).toBe(await taskCount());
    expect(stats.status_breakdown).toHaveProperty('todo');
    expect(stats.recent_tasks.length).toBeLessThanOrEqual(5);
  });

  it('health_check reports a reachable, healthy backend and the security counters', async () => {
    const health = await ok(client, 'health_check');
    expect(health.status).toBe('healthy');
    expect(health.backend).toMatchObject({ reachable: true, status: 'healthy' });
    expect(health.backend.health.store).toMatchObject({ reachable: true });
    expect(health.mcp_server).toMatchObject({ name: 'bindery', production: false });
    expect(health.mcp_server.security.injection_policy).toBe('flag');
    expect(health.mcp_server.security.inputs_checked).toBeGreaterThan(0);
    if (transport === 'stdio') {
      expect(health.mcp_server.transport).toBe('stdio');
      expect(health.backend.url).toBe(serve.url);
      expect(health.client.circuit_breaker.state).toBe('closed');
      expect(health.client.cache).toHaveProperty('hits');
      expect(health.client.retries).toBeTypeOf('number');
    } else {
      expect(health.mcp_server.transport).toBe('streamable-http');
      expect(health.client).toBeNull();
    }
  });

  it('security: dangerous keys refused by path, control characters removed, injection flagged', async () => {
    const proto = JSON.parse('{"task_id": "00000000-0000-4000-8000-000000000000", "__proto__": {"x": 1}}');
    const top = await fails(client, 'get_task', proto, 'validation_error');
    expect(top.context.details[0].field).toBe('__proto__');
    const nested = JSON.parse('{"title": "t", "labels": {"constructor": {"prototype": 1}}}');
    for (const task_input of [nested, JSON.stringify(nested)]) {
      const refused = await fails(client, 'create_task', { task_input }, 'validation_error');
      expect(refused.context.details[0].field).toBe('task_input.labels.constructor');
    }
    const dunder = await fails(
      client,
      'create_task',
      { task_input: '{"title":"t","subtasks":[{"title":"s","__x":1}]}' },
      'validation_error',
    );
    expect(dunder.context.details[0].field).toBe('task_input.subtasks.0.__x');

    const cleaned = await ok(client, 'create_task', { task_input: { title: 'a\u0000b\u0007c\td\u001b' } });
    expect(cleaned.title).toBe('abc\td');
    const viaString = await ok(client, 'create_task', { task_input: '{"title":"a\u0001b\\u0002c"}' });
    expect(viaString.title).toBe('abc');

    const before = (await ok(client, 'health_check')).mcp_server.security.detections_total;
    const title = '<script>alert(1)</script> {{x}}';
    const flagged = await ok(client, 'create_task', { task_input: { title } });
    expect(flagged.title).toBe(title);
    const after = (await ok(client, 'health_check')).mcp_server.security;
    expect(after.detections_total).toBeGreaterThanOrEqual(before + 2);
    expect(after.detections_by_pattern.script_tag).toBeGreaterThanOrEqual(1);
  });

  it('an unknown tool is a JSON-RPC -32602 error naming it', async () => {
    await expect(client.callTool({ name: 'create_tasks', arguments: {} })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('"create_tasks"'),
    });
    // The server goes on answering.
    expect((await call(client, 'list_roles')).isError).toBe(false);
  });
});
