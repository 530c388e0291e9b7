import { randomUUID } from 'node:crypto';
import type { BinderyApi, OperationName, OpInput, OpOutput } from '../../src/contract/index.js';

/** Ids of existing entities a sample input can point at; each call may make a fresh one. */
export interface SampleIds {
  task(): Promise<string>;
  project(): Promise<string>;
  note(): Promise<string>;
  document(): Promise<string>;
  /** A named token (its name). */
  token(): Promise<string>;
  /** A running execution (of a fresh task). */
  execution(): Promise<string>;
}

/** Random ids: for tests that never reach a store (the HTTP mapping round trip). */
export const RANDOM_IDS: SampleIds = {
  task: async () => randomUUID(),
  project: async () => randomUUID(),
  note: async () => randomUUID(),
  document: async () => randomUUID(),
  token: async () => tokenName(),
  execution: async () => `exec_${randomUUID()}`,
};

/** A token name no other call in this process has used. */
export const tokenName = (what = 'sample') => `${what}-${process.pid}-${++serial}`;

let serial = 0;
/** A name no other builder call in this process has used (project names are unique). */
export const uniqueName = (what: string) => `${what} ${process.pid}-${++serial}`;

/** Entity builders over any BinderyApi (the service in-process, or a client of a real server). */
export function entityBuilders(api: BinderyApi) {
  return {
    task: (fields: Partial<OpInput<'create_task'>> = {}): Promise<OpOutput<'create_task'>> =>
      api.create_task({ title: uniqueName('task'), ...fields }),
    project: (fields: Partial<OpInput<'create_project'>> = {}): Promise<OpOutput<'create_project'>> =>
      api.create_project({ name: uniqueName('project'), ...fields }),
    note: (fields: Partial<OpInput<'create_note'>> = {}): Promise<OpOutput<'create_note'>> =>
      api.create_note({ title: uniqueName('note'), content: 'note body', ...fields }),
    document: (fields: Partial<OpInput<'index_document'>> = {}): Promise<OpOutput<'index_document'>> =>
      api.index_document({
        title: uniqueName('document'),
        content: `# ${uniqueName('doc')}\n\nbody`,
        ...fields,
      }),
  };
}

/** SampleIds backed by real entities, made fresh for every call (a delete needs its own). */
export function liveIds(api: BinderyApi): SampleIds {
  const make = entityBuilders(api);
  return {
    task: async () => (await make.task()).id,
    project: async () => (await make.project()).id,
    note: async () => (await make.note()).id,
    document: async () => (await make.document()).document_id,
    token: async () => (await api.create_token({ name: tokenName(), scope: 'read' })).name,
    execution: async () =>
      (await api.execute_task({ task_id: (await make.task()).id, role_name: 'implementer' })).execution_id,
  };
}

type Samples = { [N in OperationName]: (ids: SampleIds) => Promise<OpInput<N>> };

/**
 * One valid input per operation, using as many of its fields as make sense together, so a test over every
 * operation exercises every place a field can travel (path, query, body). Typed over the whole operation
 * table: an operation added to the table does not compile here until it has a sample.
 */
export const SAMPLE_INPUTS: Samples = {
  create_task: async (ids) => ({
    title: uniqueName('sample task'),
    description: 'made by a sample',
    status: 'in_progress',
    priority: 'high',
    tags: ['sample', 'two'],
    labels: { size: 3, team: 'core' },
    project_id: await ids.project(),
    due_at: '2030-01-02T03:04:05.000Z',
    subtasks: [{ title: 'child', subtasks: [{ title: 'grandchild' }] }],
  }),
  get_task: async (ids) => ({ task_id: await ids.task() }),
  list_tasks: async (ids) => ({
    status: 'todo',
    priority: 'normal',
    project_id: await ids.project(),
    tag: 'sample',
    detail: 'full',
    limit: 7,
  }),
  list_children: async (ids) => ({ task_id: await ids.task(), limit: 3 }),
  update_task: async (ids) => ({
    task_id: await ids.task(),
    title: 'renamed',
    tags: ['a', 'b'],
    priority: 'urgent',
    expected_version: 1,
  }),
  delete_task: async (ids) => ({ task_id: await ids.task() }),
  complete_task: async (ids) => ({ task_id: await ids.task(), completion_notes: 'done well' }),
  execute_task: async (ids) => ({ task_id: await ids.task(), role_name: 'implementer', force: true }),
  assign_role_to_task: async (ids) => ({ task_id: await ids.task(), role_name: 'reviewer' }),
  list_roles: async () => ({}),
  update_tasks: async (ids) => ({
    items: [
      { task_id: await ids.task(), title: 'renamed in a batch', expected_version: 1 },
      { task_id: await ids.task(), priority: 'high', tags: ['batch'] },
    ],
    atomic: false,
  }),
  complete_tasks: async (ids) => ({
    task_ids: [await ids.task(), await ids.task()],
    completion_notes: 'done together',
  }),
  import_plan: async (ids) => ({
    markdown: `# ${uniqueName('plan')} @implementer !high\n- [ ] first #sample due:2030-01-02\n  - [x] second after:1\n`,
    project_id: await ids.project(),
    dry_run: false,
  }),
  export_plan: async (ids) => ({ task_id: await ids.task() }),
  next_task: async (ids) => ({ project_id: await ids.project(), role: 'implementer', tag: 'ready' }),
  heartbeat_execution: async (ids) => ({ execution_id: await ids.execution(), lease_s: 120 }),
  list_executions: async (ids) => ({
    task_id: await ids.task(),
    status: 'running',
    role: 'implementer',
    limit: 5,
  }),

  create_project: async () => ({ name: uniqueName('sample project'), description: 'd', tags: ['p'] }),
  get_project: async (ids) => ({ project_id: await ids.project() }),
  list_projects: async () => ({ limit: 2 }),
  update_project: async (ids) => ({
    project_id: await ids.project(),
    description: 'changed',
    tags: ['x'],
    expected_version: 1,
  }),
  delete_project: async (ids) => ({ project_id: await ids.project() }),

  create_note: async (ids) => ({
    title: uniqueName('sample note'),
    content: 'text',
    tags: ['n'],
    project_id: await ids.project(),
  }),
  get_note: async (ids) => ({ note_id: await ids.note() }),
  list_notes: async (ids) => ({ project_id: await ids.project(), tag: 'n', limit: 4 }),
  update_note: async (ids) => ({ note_id: await ids.note(), content: 'new text', expected_version: 1 }),
  delete_note: async (ids) => ({ note_id: await ids.note() }),

  index_document: async (ids) => ({
    title: uniqueName('sample document'),
    content: `# Heading ${uniqueName('unique')}\n\nSome text.\n\n## Second\n\nMore text.`,
    document_type: 'markdown',
    source_path: 'docs/sample.md',
    tags: ['d'],
    project_id: await ids.project(),
  }),
  get_document: async (ids) => ({ document_id: await ids.document() }),
  list_documents: async (ids) => ({ project_id: await ids.project(), document_type: 'markdown', limit: 5 }),
  delete_document: async (ids) => ({ document_id: await ids.document() }),

  search: async (ids) => ({
    query: 'sample "quoted" (text)',
    entity_types: ['task', 'note'],
    project_id: await ids.project(),
    limit: 5,
  }),
  get_task_dashboard: async () => ({}),
  version_info: async () => ({}),
  get_health: async () => ({}),
  get_pool_metrics: async () => ({}),
  get_pool_health: async () => ({}),
  list_changes: async () => ({ since: 0, limit: 5, entity: 'task' }),
  get_history: async (ids) => ({ entity: 'task', id: await ids.task(), limit: 5 }),
  create_token: async (ids) => ({
    name: tokenName(),
    scope: 'write',
    project_ids: [await ids.project()],
    expires_at: '2099-01-02T03:04:05.000Z',
  }),
  list_tokens: async () => ({}),
  revoke_token: async (ids) => ({ name: await ids.token() }),
  get_access: async () => ({}),
};
