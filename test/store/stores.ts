import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import type { Execution, Note } from '../../src/contract/index.js';
import { sqlitePath } from '../../src/runtime/workspace.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { NewProject, NewTask, Store } from '../../src/store/types.js';
import { createTestSchema } from '../helpers/postgres.js';
import { tempWorkspace } from '../helpers/workspace.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Both stores, each opened fresh (a SQLite file in a temp workspace, a new PostgreSQL schema) and closed after the test. */
export const STORES: { kind: Store['kind']; open: () => Promise<Store> }[] = [
  {
    kind: 'sqlite',
    open: async () => {
      const workspace = tempWorkspace();
      const store = new SqliteStore(sqlitePath(workspace.dir));
      cleanups.push(
        async () => workspace.remove(),
        () => store.close(),
      );
      return store;
    },
  },
  {
    kind: 'postgres',
    open: async () => {
      const schema = await createTestSchema();
      const store = await PostgresStore.open(schema.url);
      cleanups.push(schema.drop, () => store.close());
      return store;
    },
  },
];

/** Timestamps a millisecond apart, in creation order. */
let clock = Date.parse('2026-03-01T00:00:00.000Z');
export function at(): string {
  clock += 1;
  return new Date(clock).toISOString();
}

export function newTask(fields: Partial<NewTask> = {}): NewTask {
  const now = at();
  return {
    id: randomUUID(),
    title: 'a task',
    description: '',
    status: 'todo',
    priority: 'normal',
    tags: [],
    labels: {},
    parent_id: null,
    project_id: null,
    role: null,
    depends_on: [],
    due_at: null,
    created_at: now,
    updated_at: now,
    completed_at: null,
    completion_notes: null,
    version: 1,
    updated_by: 'anonymous',
    ...fields,
  };
}

export function newProject(fields: Partial<NewProject> = {}): NewProject {
  const now = at();
  return {
    id: randomUUID(),
    name: `project ${randomUUID()}`,
    description: '',
    tags: [],
    created_at: now,
    updated_at: now,
    version: 1,
    updated_by: 'anonymous',
    ...fields,
  };
}

export function newNote(fields: Partial<Note> = {}): Note {
  const now = at();
  return {
    id: randomUUID(),
    title: 'a note',
    content: 'text',
    tags: [],
    project_id: null,
    created_at: now,
    updated_at: now,
    version: 1,
    updated_by: 'anonymous',
    ...fields,
  };
}

export function newExecution(taskId: string, fields: Partial<Execution> = {}): Execution {
  return {
    id: `exec_${randomUUID()}`,
    task_id: taskId,
    role: 'implementer',
    status: 'running',
    started_at: at(),
    finished_at: null,
    notes: null,
    lease_expires_at: null,
    ...fields,
  };
}
