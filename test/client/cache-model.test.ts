import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinderyClient } from '../../src/client/index.js';
import { useTestServer } from '../helpers/server.js';

const t = useTestServer();

type Command =
  | { kind: 'create'; parent: number | null; title: string; deps: number[] }
  | { kind: 'update'; pick: number; title: string }
  | { kind: 'move'; pick: number; parent: number | null }
  | { kind: 'delete'; pick: number }
  | { kind: 'get'; pick: number }
  | { kind: 'children'; pick: number }
  | { kind: 'list' }
  | { kind: 'project' }
  | { kind: 'dashboard' };

const title = fc.string({ minLength: 1, maxLength: 12 });
const pick = fc.nat();
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      // Small picks keep trees deep: new tasks mostly land under the first few.
      parent: fc.option(fc.nat(3)),
      title,
      deps: fc.array(pick, { maxLength: 2 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('update' as const), pick, title }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('move' as const), pick, parent: fc.option(pick) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('get' as const), pick: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('children' as const), pick: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('list' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('project' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dashboard' as const) }) },
);

interface ModelTask {
  title: string;
  parent: string | null;
  deps: string[];
  seq: number;
}

/** Tasks of earlier runs still on the server (the dashboard counts every task). */
let tasksOfEarlierRuns = 0;
let runs = 0;
let cacheHits = 0;

async function run(commands: Command[], feed = false): Promise<void> {
  // Long TTLs everywhere, lists included, so any missed invalidation shows up as a stale read. Mostly without
  // the change feed, which would hide a rule that misses what this client's own mutation changed.
  const client = new BinderyClient({
    url: t.url,
    feed,
    cache: { ttlMs: 600_000, listTtlMs: 600_000 },
  });
  const project = await client.create_project({ name: `model run ${runs++}` });
  const model = new Map<string, ModelTask>();
  const everCreated: string[] = [];
  let seq = 0;

  const live = () => [...model.keys()];
  const childrenOf = (id: string) =>
    [...model.entries()]
      .filter(([, task]) => task.parent === id)
      .sort((a, b) => a[1].seq - b[1].seq)
      .map(([childId]) => childId);
  const isUnder = (id: string, root: string): boolean => {
    for (let at: string | null = id; at; at = model.get(at)?.parent ?? null) if (at === root) return true;
    return false;
  };
  const chosen = (n: number, from: string[]) => from[n % from.length];

  try {
    for (const c of commands) {
      const ids = live();
      switch (c.kind) {
        case 'create': {
          const parent = c.parent === null || ids.length === 0 ? null : chosen(c.parent, ids)!;
          const deps = ids.length ? [...new Set(c.deps.map((n) => chosen(n, ids)!))] : [];
          const task = await client.create_task({
            title: c.title,
            parent_id: parent,
            depends_on: deps,
            project_id: project.id,
          });
          model.set(task.id, { title: c.title, parent, deps, seq: seq++ });
          everCreated.push(task.id);
          break;
        }
        case 'update': {
          if (!ids.length) break;
          const id = chosen(c.pick, ids)!;
          await client.update_task({ task_id: id, title: c.title });
          model.get(id)!.title = c.title;
          break;
        }
        case 'move': {
          if (!ids.length) break;
          const id = chosen(c.pick, ids)!;
          const parent = c.parent === null ? null : chosen(c.parent, ids)!;
          if (parent && isUnder(parent, id)) {
            await expect(client.update_task({ task_id: id, parent_id: parent })).rejects.toMatchObject({
              code: 'conflict',
            });
          } else {
            await client.update_task({ task_id: id, parent_id: parent });
            model.get(id)!.parent = parent;
          }
          break;
        }
        case 'delete': {
          if (!ids.length) break;
          const id = chosen(c.pick, ids)!;
          const doomed = ids.filter((other) => isUnder(other, id));
          expect((await client.delete_task({ task_id: id })).deleted_count).toBe(doomed.length);
          for (const gone of doomed) model.delete(gone);
          for (const task of model.values()) task.deps = task.deps.filter((dep) => model.has(dep));
          break;
        }
        case 'get': {
          if (!everCreated.length) break;
          const id = chosen(c.pick, everCreated)!;
          const expected = model.get(id);
          if (!expected) {
            await expect(client.get_task({ task_id: id })).rejects.toMatchObject({ code: 'not_found' });
            break;
          }
          const task = await client.get_task({ task_id: id });
          expect({
            title: task.title,
            parent: task.parent_id,
            children: task.children,
            deps: task.depends_on.sort(),
          }).toEqual({
            title: expected.title,
            parent: expected.parent,
            children: childrenOf(id),
            deps: [...expected.deps].sort(),
          });
          break;
        }
        case 'children': {
          if (!everCreated.length) break;
          const id = chosen(c.pick, everCreated)!;
          if (!model.has(id)) {
            await expect(client.list_children({ task_id: id })).rejects.toMatchObject({ code: 'not_found' });
            break;
          }
          const page = await client.list_children({ task_id: id, limit: 500 });
          expect(page.items.map((i) => [i.id, i.title, i.child_count])).toEqual(
            childrenOf(id).map((child) => [child, model.get(child)!.title, childrenOf(child).length]),
          );
          break;
        }
        case 'list': {
          const page = await client.list_tasks({ project_id: project.id, limit: 500 });
          const seen = Object.fromEntries(page.items.map((i) => [i.id, [i.title, i.parent_id]]));
          const expected = Object.fromEntries(
            [...model].map(([id, task]) => [id, [task.title, task.parent]]),
          );
          expect(seen).toEqual(expected);
          expect(page.total).toBe(model.size);
          break;
        }
        case 'project': {
          const current = await client.get_project({ project_id: project.id });
          expect([current.task_count, current.open_task_count]).toEqual([model.size, model.size]);
          break;
        }
        case 'dashboard': {
          const dashboard = await client.get_task_dashboard({});
          expect(dashboard.total_tasks).toBe(tasksOfEarlierRuns + model.size);
          break;
        }
      }
    }
  } finally {
    tasksOfEarlierRuns += model.size;
    cacheHits += client.stats().cache.hits;
    await client.close();
  }
}

describe('cache against a model', () => {
  it('never returns a stale read over random create/update/move/delete/get/list sequences', async () => {
    // Random runs rarely build this one: a grandchild changes its parent's child_count in a cached listing.
    const grandchild: Command[] = [
      { kind: 'create', parent: null, title: 'A', deps: [] },
      { kind: 'create', parent: 0, title: 'C', deps: [] },
      { kind: 'children', pick: 0 },
      { kind: 'create', parent: 1, title: 'G', deps: [] },
      { kind: 'children', pick: 0 },
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 60, size: 'max' }), (commands) =>
        run(commands),
      ),
      {
        numRuns: 150,
        examples: [[grandchild]],
      },
    );
    // The property is only worth something if the cache actually answered many of those reads.
    expect(cacheHits).toBeGreaterThan(300);
  }, 120_000);

  it('with the change feed on, the echoes of its own writes never leave a stale read either', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 60, size: 'max' }), (commands) =>
        run(commands, true),
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});
