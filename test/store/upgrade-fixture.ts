import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BINDERY_VERSION, type Task } from '../../src/contract/index.js';
import { RoleRegistry } from '../../src/service/roles.js';
import { createService } from '../../src/service/service.js';
import type { Store } from '../../src/store/types.js';
// @ts-expect-error: a plain ES module, also run by the previous release (make-fixtures.mjs).
import { snapshot } from '../fixtures/previous-release/snapshot.mjs';

export const FIXTURES = join(import.meta.dirname, '../fixtures/previous-release');

interface Snapshot {
  projects: unknown[];
  tasks: unknown[];
  notes: unknown[];
  documents: unknown[];
  searches: Record<string, string[]>;
}

/**
 * Checks a store opened on the previous release's data: every entity as that release answered it (new
 * fields may be added, none changed), every search hit it found still found, and the new search rules.
 */
export async function expectPreviousReleaseIntact(store: Store, workspace: string): Promise<void> {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Snapshot;
  const api = createService({ store, roles: new RoleRegistry(), version: BINDERY_VERSION, workspace });
  const now = (await snapshot(api)) as Snapshot;
  for (const kind of ['projects', 'tasks', 'notes', 'documents'] as const) {
    expect(now[kind], kind).toHaveLength(expected[kind].length);
    expect(now[kind], kind).toMatchObject(expected[kind]);
  }
  // The change log starts empty on upgrade; rows written before it are recorded as by `anonymous`.
  expect((await api.list_changes({})).items).toEqual([]);
  for (const kind of ['projects', 'tasks', 'notes'] as const) {
    for (const entity of now[kind] as { updated_by?: string }[])
      expect(entity.updated_by, kind).toBe('anonymous');
  }
  // The readiness counters are backfilled: blocked_by and the ready set follow the rule from the stored data.
  const tasks = now.tasks as Task[];
  const status = new Map(tasks.map((task) => [task.id, task.status]));
  const open = (id: string) => !['done', 'cancelled'].includes(status.get(id)!);
  for (const task of tasks) expect(task.blocked_by, task.title).toEqual(task.depends_on.filter(open));
  const ready = tasks.filter(
    (t) => t.status === 'todo' && !t.depends_on.some(open) && !t.children.some(open),
  );
  const listed = await api.list_tasks({ ready: true, limit: 500 });
  expect(listed.items.map((t) => t.id).sort()).toEqual(ready.map((t) => t.id).sort());
  const waiting = tasks.filter((t) => t.status === 'todo' && !ready.includes(t));
  expect(waiting.length).toBeGreaterThan(0);
  const next = await api.next_task({});
  expect(next.task?.id ?? null).toBe(ready[0]?.id ?? null);
  if (!next.task) expect(next.waiting_count).toBe(waiting.length);
  // Named tokens arrive empty (SQLite 8, PostgreSQL 7); a token made now is logged under the new rules.
  expect(await api.list_tokens({})).toEqual({ items: [] });
  const made = await api.create_token({ name: 'after-upgrade', scope: 'read' });
  expect(made.token).toMatch(/^bdy_[\w-]{43}$/);
  const [logged] = (await api.list_changes({ entity: 'token' })).items;
  expect(logged).toMatchObject({ entity: 'token', id: 'after-upgrade', op: 'created' });
  for (const [query, ids] of Object.entries(expected.searches)) {
    expect(now.searches[query], query).toEqual(expect.arrayContaining(ids));
  }
  // The re-indexed store stems, and finds the stored code chunk by its identifier's words.
  const found = await store.search({ text: 'content type parser', types: ['document'], limit: 5, offset: 0 });
  expect(found.results[0]).toMatchObject({ title: 'parser.ts', match: 'all' });
  const stemmed = await store.search({ text: 'deployments', types: ['note'], limit: 5, offset: 0 });
  expect(stemmed.results.map((r) => r.title)).toEqual(['Rollback']);
}
