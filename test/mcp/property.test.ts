// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` in plain strings is hostile input under test.
/**
 * Random and hostile arguments thrown at every tool (fast-check). Whatever comes in, the server answers
 * with a structured result: never a crash, never an exception in the client, never an unstructured or
 * internal error, and never a partial subtask tree. Most runs go through the SDK's InMemoryTransport against
 * the in-process service (fast); a smaller share goes through the built `bindery mcp` over stdio.
 * BINDERY_PROPERTY_RUNS scales the in-memory share (5,000 by default: at 2,000 some tool reached a
 * real store call only 1–3 times, so now and then none did; a nightly run sets more).
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BinderyApi, encodeCursor } from '../../src/contract/index.js';
import { ToolErrorResult } from '../../src/mcp/errors.js';
import { TOOLS } from '../../src/mcp/tools/index.js';
import { type ServeProcess, spawnServe } from '../helpers/process.js';
import { httpHelper } from '../helpers/server.js';
import { tempWorkspace } from '../helpers/workspace.js';
import { inMemoryClient, inProcessApi, ok, stdioClient } from './helpers.js';

const RUNS = Number(process.env.BINDERY_PROPERTY_RUNS || 5_000);
const TOOL_NAMES = TOOLS.map((t) => t.name);

const hostileText = fc.oneof(
  { weight: 5, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 5, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      '<script>alert(1)</script>',
      '<scr<script>ipt>x',
      'javascript:alert(1)',
      '<img src=x onerror=alert(1)>',
      '${process.env.SECRET}',
      '{{7*7}}',
      'eval(1)',
      'Function("return this")()',
      "'; DROP TABLE tasks; --",
      '" OR 1=1 --',
      'a AND (b OR "c',
      '\u0000\u0001\u001f\u007f',
      '../../etc/passwd',
      'C:\\Windows\\system32',
      'http://127.0.0.1:3000/api // /* */',
      '{"title": "json inside"}',
      '\ud800',
      'todo',
      'in_progress',
      'critical',
      'root',
      'full',
      'implementer',
      'markdown',
      '',
      ' ',
    ),
  },
  { weight: 1, arbitrary: fc.constant('x'.repeat(10_001)) },
);

const key = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '__x', 'title', 'subtasks', 'labels', 'toString'),
);

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileText,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Close to a valid task input, so the deeper layers (service, store, transaction) are reached too. */
const taskLike = fc.letrec((tie) => ({
  task: fc.record(
    {
      title: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), hostileText),
      description: hostileText,
      status: fc.constantFrom('todo', 'done', 'pending', 'completed', 'someday'),
      priority: fc.constantFrom('low', 'critical', 'urgent', 'meh'),
      tags: fc.array(hostileText, { maxLength: 3 }),
      labels: fc.dictionary(key, jsonValue, { maxKeys: 3 }),
      role: fc.constantFrom('tester', 'astronaut', null),
      depends_on: fc.array(fc.uuid(), { maxLength: 2 }),
      due_at: fc.constantFrom('2030-01-01T00:00:00Z', 'tomorrow', null),
      subtasks: fc.array(tie('task'), { maxLength: 3 }),
      extra: jsonValue,
    },
    { requiredKeys: ['title'] },
  ),
})).task;

/** An object for a JSON parameter, sent as is, as JSON text (sometimes cut short), or as something else. */
const objectParam = fc.oneof(
  taskLike,
  taskLike.map((t) => JSON.stringify(t)),
  fc.tuple(taskLike, fc.nat()).map(([t, cut]) => {
    const text = JSON.stringify(t);
    return text.slice(0, cut % (text.length + 1));
  }),
  fc.record({ query: hostileText, name: hostileText, content: hostileText, limit: jsonValue }),
  jsonValue,
);

const MISSING = '00000000-0000-4000-8000-000000000000';

type Kind = 'task' | 'project' | 'note' | 'document' | 'execution';
/** Ids that exist right now, by kind: calls create and delete, so the pools follow them. */
type Pools = Record<Kind, string[]>;

/** Id arbitraries over the live pools; now and then a missing or a wrong-kind id. */
interface Ids {
  task: fc.Arbitrary<string>;
  project: fc.Arbitrary<string>;
  note: fc.Arbitrary<string>;
  document: fc.Arbitrary<string>;
  execution: fc.Arbitrary<string>;
  any: fc.Arbitrary<string>;
}

function idsOf(pools: Pools): Ids {
  const pick = (list: () => string[]) => fc.nat().map((i) => list()[i % list().length] ?? MISSING);
  const any = pick(() => [...Object.values(pools).flat(), MISSING]);
  const of = (kind: Kind) =>
    fc.oneof({ weight: 5, arbitrary: pick(() => pools[kind]) }, { weight: 1, arbitrary: any });
  return {
    task: of('task'),
    project: of('project'),
    note: of('note'),
    document: of('document'),
    execution: of('execution'),
    any,
  };
}

/** Anything under any parameter name: mostly refused, which is the point. */
function hostileArguments(ids: fc.Arbitrary<string>) {
  const value = fc.oneof(ids, hostileText, jsonValue, objectParam);
  const names = fc.constantFrom(...new Set(TOOLS.flatMap((t) => Object.keys(t.input.shape))));
  return fc.oneof(fc.dictionary(names, value, { maxKeys: 4 }), fc.dictionary(key, value, { maxKeys: 4 }));
}

const text = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), hostileText);
const tags = fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 3 });
const labels = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), jsonValue, { maxKeys: 3 });

/** Mostly valid values, so calls get through validation and reach the service, store and transactions. */
function plausibleArguments(tool: (typeof TOOLS)[number], ids: Ids) {
  const taskFields = {
    title: text,
    description: text,
    status: fc.constantFrom('todo', 'doing', 'done', 'pending', 'completed', 'blocked'),
    priority: fc.constantFrom('low', 'normal', 'high', 'urgent', 'medium', 'critical'),
    tags,
    labels,
    project_id: fc.oneof(ids.project, fc.constant(null)),
    role: fc.constantFrom('tester', 'implementer', null),
    depends_on: fc.array(ids.task, { maxLength: 2 }),
    due_at: fc.constantFrom('2030-01-01T00:00:00Z', '2031-06-01T12:00:00+02:00', null),
  };
  const task = fc.letrec((tie) => ({
    node: fc.record(
      { ...taskFields, subtasks: fc.array(tie('node'), { maxLength: 3, depthIdentifier: 'tree' }) },
      { requiredKeys: ['title'] },
    ),
  })).node;
  const either = <T>(arb: fc.Arbitrary<T>) =>
    fc.oneof(
      arb,
      arb.map((v) => JSON.stringify(v)),
    );
  const params: Record<string, fc.Arbitrary<unknown>> = {
    task_id: ids.task,
    project_id: ids.project,
    note_id: ids.note,
    document_id: ids.document,
    parent_id: fc.oneof(ids.task, fc.constant('root')),
    role_name: fc.constantFrom('implementer', 'tester', 'reviewer', 'nobody'),
    force: fc.boolean(),
    claim: fc.boolean(),
    ready: fc.boolean(),
    lease_s: fc.oneof(fc.integer({ min: 30, max: 3_600 }), fc.integer({ min: -5, max: 100_000 })),
    execution_id: fc.oneof(
      ids.execution,
      fc.uuid().map((id) => `exec_${id}`),
    ),
    completion_notes: text,
    task_input: either(task),
    task_update: either(fc.record(taskFields, { requiredKeys: [] })),
    project_input: either(fc.record({ name: text, description: text, tags }, { requiredKeys: ['name'] })),
    project_update: either(fc.record({ name: text, description: text, tags }, { requiredKeys: [] })),
    note_input: either(
      fc.record({ title: text, content: text, tags, project_id: ids.project }, { requiredKeys: ['title'] }),
    ),
    note_update: either(fc.record({ title: text, content: text, tags }, { requiredKeys: [] })),
    document_input: either(
      fc.record(
        {
          title: text,
          content: text,
          document_type: fc.constantFrom('text', 'markdown', 'code', 'data'),
          tags,
        },
        { requiredKeys: ['title', 'content'] },
      ),
    ),
    search_input: either(
      fc.record(
        {
          query: text,
          entity_types: fc.subarray(['task', 'project', 'note', 'document']),
          limit: fc.integer({ min: 1, max: 100 }),
        },
        { requiredKeys: ['query'] },
      ),
    ),
    status: fc.constantFrom('todo', 'doing', 'in_progress'),
    priority: fc.constantFrom('low', 'high', 'critical'),
    tag: fc.string({ maxLength: 10 }),
    role: fc.constantFrom('tester', 'implementer'),
    detail: fc.constantFrom('summary', 'full'),
    document_type: fc.constantFrom('text', 'markdown'),
    limit: fc.integer({ min: 1, max: 50 }),
    // Mostly cursors a list could have returned, so paged tools also get through validation.
    cursor: fc.oneof(fc.nat({ max: 1_000 }).map(encodeCursor), fc.string({ maxLength: 10 })),
    entity: fc.constantFrom('task', 'project', 'note'),
    id: ids.task,
    items: fc.array(
      fc.record(
        { task_id: ids.task, ...taskFields, expected_version: fc.integer({ min: 1, max: 3 }) },
        { requiredKeys: ['task_id'] },
      ),
      { minLength: 1, maxLength: 4 },
    ),
    atomic: fc.boolean(),
    task_ids: fc.array(ids.task, { minLength: 1, maxLength: 4 }),
    // Plan lines: items at some depth with marks, headings, text; hostile titles now and then.
    markdown: fc
      .array(
        fc.tuple(
          fc.constantFrom('- [ ] ', '- [x] ', '  - [ ] ', '    * [X] ', '# ', '## ', '  ', ''),
          text,
          // Mostly marks that hold, so that whole plans get written often enough to be checked.
          fc.oneof(
            { weight: 6, arbitrary: fc.constantFrom('', ' @tester', ' #t !high', ' due:2030-01-01') },
            { weight: 1, arbitrary: fc.constantFrom(' @nobody', ' after:1', ' after:"x"') },
          ),
        ),
        { minLength: 1, maxLength: 6 },
      )
      .map((lines) => lines.map((parts) => parts.join('')).join('\n')),
    dry_run: fc.boolean(),
    q: fc.string({ maxLength: 10 }),
    cancelled: fc.boolean(),
  };
  const shape = tool.input.shape as Record<string, { safeParse: (v: unknown) => { success: boolean } }>;
  const names = Object.keys(shape);
  return fc.record(Object.fromEntries(names.map((name) => [name, params[name]!])), {
    requiredKeys: names.filter((name) => !shape[name]!.safeParse(undefined).success),
  });
}

/** A tool and arguments for it: plausible three times out of five, hostile otherwise. */
function calls(ids: Ids) {
  const hostile = hostileArguments(ids.any);
  return fc
    .constantFrom(...TOOLS)
    .chain((tool) =>
      fc.tuple(
        fc.constant(tool.name),
        fc.oneof({ weight: 3, arbitrary: plausibleArguments(tool, ids) }, { weight: 2, arbitrary: hostile }),
      ),
    );
}

function taskNodes(input: unknown): number {
  const node = input as { subtasks?: unknown[] };
  return 1 + (node.subtasks ?? []).reduce<number>((sum, child) => sum + taskNodes(child), 0);
}

interface Target {
  client: Client;
  taskCount: () => Promise<number>;
  pools: Pools;
  /** Successful calls per tool, to see that the runs reach past validation. */
  successes: Map<string, number>;
}

/** One call and everything that must hold about its answer. */
async function check(target: Target, name: string, args: Record<string, unknown>): Promise<void> {
  const before = await target.taskCount();
  const result = await target.client.callTool({ name, arguments: args });
  const structured = result.structuredContent as Record<string, any>;
  expect(structured).toBeTypeOf('object');
  // One text block: the JSON of the result, or the tool's own summary of a success (show_board).
  const summary = result.isError ? undefined : TOOLS.find((tool) => tool.name === name)?.text;
  expect(result.content).toEqual([
    { type: 'text', text: summary ? summary(structured) : JSON.stringify(structured) },
  ]);
  const after = await target.taskCount();
  if (result.isError) {
    const parsed = ToolErrorResult.safeParse(structured);
    expect(parsed.success, JSON.stringify(structured)).toBe(true);
    expect(structured.error_code, JSON.stringify(structured)).not.toBe('internal_error');
    expect(structured.operation).toBe(name);
    expect(after, `${name} failed but changed the task count`).toBe(before);
    return;
  }
  target.successes.set(name, (target.successes.get(name) ?? 0) + 1);
  if (name === 'create_task') {
    // Without task_input, the arguments themselves were the task (the flat form).
    const wrapped = args.task_input ?? args;
    const input = typeof wrapped === 'string' ? JSON.parse(wrapped) : wrapped;
    expect(after - before, 'a created tree is whole').toBe(taskNodes(input));
  } else if (name === 'delete_task') {
    expect(before - after).toBe(structured.deleted_count);
  } else if (name === 'import_plan') {
    expect(after - before, 'a plan is written whole').toBe(structured.dry_run ? 0 : structured.task_count);
  } else {
    expect(after).toBe(before);
  }
  follow(target.pools, name, args, structured);
  // Deletes can empty the task pool, and then every task tool (create_task too, through depends_on) meets
  // only missing ids: keep two tasks to aim at.
  while (target.pools.task.length < 2) {
    target.pools.task.push((await ok(target.client, 'create_task', { task_input: { title: 'refill' } })).id);
  }
}

/** Keeps the id pools in step with what the call created or deleted. */
function follow(
  pools: Pools,
  name: string,
  args: Record<string, unknown>,
  result: Record<string, any>,
): void {
  const created: Partial<Record<string, [Kind, string]>> = {
    create_task: ['task', result.id],
    create_project: ['project', result.id],
    create_note: ['note', result.id],
    index_document: ['document', result.document_id],
    execute_task: ['execution', result.execution_id],
  };
  const entry = created[name];
  if (entry) pools[entry[0]].push(entry[1]);
  if (name === 'create_task') pools.task.push(...result.children);
  if (name === 'import_plan' && !result.dry_run) {
    const walk = (nodes: { id: string; subtasks: never[] }[]) => {
      for (const node of nodes) {
        pools.task.push(node.id);
        walk(node.subtasks);
      }
    };
    walk(result.tasks);
  }
  const removed: Partial<Record<string, Kind>> = {
    delete_task: 'task',
    delete_note: 'note',
    delete_project: 'project',
    delete_document: 'document',
  };
  const kind = removed[name];
  if (kind) pools[kind] = pools[kind].filter((id) => id !== args[`${kind}_id`]);
}

/** A target whose pools start with one entity of each kind. */
async function seeded(client: Client, taskCount: () => Promise<number>): Promise<Target> {
  const project = await ok(client, 'create_project', { project_input: { name: `seeded ${randomUUID()}` } });
  const tree = await ok(client, 'create_task', {
    task_input: { title: 'seed', project_id: project.id, subtasks: [{ title: 'leaf' }] },
  });
  const note = await ok(client, 'create_note', { note_input: { title: 'seed note', content: 'text' } });
  const doc = await ok(client, 'index_document', {
    document_input: { title: 'seed doc', content: `# A\n\n${randomUUID()}` },
  });
  const pools = {
    task: [tree.id, ...tree.children],
    project: [project.id],
    note: [note.id],
    document: [doc.document_id],
    // A day's lease on a task outside the task pool: no random call ends it, so heartbeats can succeed.
    execution: [
      (
        await ok(client, 'execute_task', {
          task_id: (await ok(client, 'create_task', { task_input: { title: 'kept running' } })).id,
          role_name: 'implementer',
          lease_s: 86_400,
        })
      ).execution_id,
    ],
  };
  return { client, taskCount, pools, successes: new Map() };
}

function property(target: Target) {
  return fc.asyncProperty(calls(idsOf(target.pools)), ([name, args]) =>
    check(target, name, args as Record<string, unknown>),
  );
}

describe('random and hostile tool arguments', () => {
  let api: BinderyApi;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ api, close } = await inProcessApi());
  });
  afterAll(() => close());

  const taskCount = async () => (await api.list_tasks({ limit: 1 })).total;

  it(`in memory, policy flag: ${RUNS} runs`, async () => {
    const target = await seeded(await inMemoryClient(api), taskCount);
    await fc.assert(property(target), { numRuns: RUNS });
    // Not only refusals: every tool gets through validation to a real answer too.
    for (const tool of TOOLS) expect(target.successes.get(tool.name) ?? 0, tool.name).toBeGreaterThan(0);
  }, 120_000);

  it.each(['strip', 'reject'] as const)(
    'in memory, policy %s: 300 runs, with metrics and production messages',
    async (policy) => {
      const client = await inMemoryClient(api, { policy, production: true, includeMetrics: true });
      await fc.assert(property(await seeded(client, taskCount)), { numRuns: 300 });
    },
    60_000,
  );

  it('unknown tool names are a JSON-RPC error, never a crash', async () => {
    const client = await inMemoryClient(api);
    await fc.assert(
      fc.asyncProperty(
        fc.string().filter((name) => !TOOL_NAMES.includes(name)),
        async (name) => {
          await expect(client.callTool({ name, arguments: {} })).rejects.toMatchObject({ code: -32602 });
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('random and hostile tool arguments over stdio', () => {
  let serve: ServeProcess;
  let client: Client;
  const ws = tempWorkspace();

  beforeAll(async () => {
    serve = await spawnServe(ws.dir);
    ({ client } = await stdioClient({ BINDERY_URL: serve.url }));
  });

  afterAll(async () => {
    await client?.close();
    serve?.proc.kill('SIGTERM');
    await serve?.exited;
    ws.remove();
  });

  it('200 runs through bindery mcp and bindery serve', async () => {
    const rest = httpHelper(serve.url);
    const taskCount = async () => (await rest('GET', '/api/tasks?limit=1')).body.total as number;
    await fc.assert(property(await seeded(client, taskCount)), { numRuns: 200 });
  }, 120_000);
});
