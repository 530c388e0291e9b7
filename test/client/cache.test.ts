import { describe, expect, it } from 'vitest';
import type { BinderyClient, ClientOptions } from '../../src/client/index.js';
import { proxiedClient, proxy, server, useProxiedServer } from './fixture.js';

useProxiedServer();

function makeClient(cache: ClientOptions['cache'] = {}): BinderyClient {
  return proxiedClient({ cache: { listTtlMs: 60_000, ...cache } });
}

const gets = (path: string) =>
  proxy.seen.filter((r) => r.method === 'GET' && r.path.split('?')[0] === path).length;
/** A project with two top-level tasks A and B, and a reader of everything a change to them can reach. */
async function twoTasks(client: BinderyClient, name: string) {
  const project = await client.create_project({ name });
  const a = await client.create_task({ title: 'A', project_id: project.id });
  const b = await client.create_task({ title: 'B', project_id: project.id });
  const read = async () => ({
    a: await client.get_task({ task_id: a.id }),
    b: await client.get_task({ task_id: b.id }),
    aChildren: await client.list_children({ task_id: a.id }),
    project: await client.get_project({ project_id: project.id }),
    list: await client.list_tasks({ project_id: project.id }),
    dashboard: await client.get_task_dashboard({}),
    plan: await client.export_plan({ project_id: project.id }),
  });
  return { project, a, b, read };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('response cache', () => {
  it('answers a repeated get from the cache: the server sees one request', async () => {
    const client = makeClient();
    const task = await client.create_task({ title: 'cached' });
    for (let i = 0; i < 5; i++) expect((await client.get_task({ task_id: task.id })).title).toBe('cached');
    expect(gets(`/api/tasks/${task.id}`)).toBe(1);
    expect(client.stats().cache).toMatchObject({
      enabled: true,
      hits: 4,
      misses: 1,
      hit_rate: 0.8,
      entries: 1,
    });
  });

  it('returns the new value after every update', async () => {
    const client = makeClient();
    const task = await client.create_task({ title: 'v0' });
    await client.get_task({ task_id: task.id });
    for (let i = 1; i <= 20; i++) {
      await client.update_task({ task_id: task.id, title: `v${i}` });
      expect((await client.get_task({ task_id: task.id })).title).toBe(`v${i}`);
    }
  });

  it('keeps tasks, parents, projects, lists and plans current through batches and plan imports', async () => {
    const client = makeClient();
    const { a, b, read } = await twoTasks(client, 'cache-batch');
    await read();
    await client.update_tasks({
      items: [
        { task_id: a.id, title: 'A2' },
        { task_id: b.id, parent_id: a.id },
      ],
    });
    let now = await read();
    expect(now.a.title).toBe('A2');
    expect(now.a.children).toEqual([b.id]);
    expect(now.aChildren.items.map((item) => item.id)).toEqual([b.id]);
    expect(now.plan.markdown).toBe('- [ ] A2\n  - [ ] B\n');

    await client.complete_tasks({ task_ids: [b.id] });
    now = await read();
    expect(now.b.status).toBe('done');
    expect(now.project.open_task_count).toBe(1);

    await client.import_plan({ markdown: '- [ ] C', parent_id: a.id });
    now = await read();
    expect(now.a.children).toHaveLength(2);
    expect(now.project.task_count).toBe(3);
    expect(now.list.total).toBe(3);
    expect(now.plan.task_count).toBe(3);
  });

  it('hands out copies: editing an answer does not edit the cache', async () => {
    const client = makeClient();
    const task = await client.create_task({ title: 'pristine' });
    const first = await client.get_task({ task_id: task.id });
    first.title = 'scribbled';
    first.children.push('nope');
    expect(await client.get_task({ task_id: task.id })).toMatchObject({ title: 'pristine', children: [] });
  });

  it('keeps parents, children lists, project counts, lists and the dashboard current through subtask changes', async () => {
    const client = makeClient();
    const { project, a, b, read } = await twoTasks(client, 'cache-tree');
    const before = await read();

    const child = await client.create_task({ title: 'child', parent_id: a.id, project_id: project.id });
    let now = await read();
    expect(now.a.children).toEqual([child.id]);
    expect(now.aChildren.items.map((i) => i.id)).toEqual([child.id]);
    expect(now.project.task_count).toBe(before.project.task_count + 1);
    expect(now.list.total).toBe(before.list.total + 1);
    expect(now.dashboard.total_tasks).toBe(before.dashboard.total_tasks + 1);

    const grandchild = await client.create_task({
      title: 'grandchild',
      parent_id: child.id,
      project_id: project.id,
    });
    now = await read();
    expect(now.aChildren.items[0]?.child_count).toBe(1);

    await client.update_task({ task_id: child.id, title: 'renamed child' });
    now = await read();
    expect(now.aChildren.items[0]?.title).toBe('renamed child');

    await client.update_task({ task_id: child.id, parent_id: b.id });
    now = await read();
    expect(now.a.children).toEqual([]);
    expect(now.b.children).toEqual([child.id]);
    expect(now.aChildren.items).toEqual([]);

    await client.complete_task({ task_id: b.id });
    now = await read();
    expect(now.b.status).toBe('done');
    expect(now.project.open_task_count).toBe(before.project.open_task_count + 1);

    await client.get_task({ task_id: grandchild.id });
    const removed = await client.delete_task({ task_id: b.id });
    expect(removed.deleted_count).toBe(3);
    await expect(client.get_task({ task_id: b.id })).rejects.toMatchObject({ code: 'not_found' });
    await expect(client.get_task({ task_id: child.id })).rejects.toMatchObject({ code: 'not_found' });
    await expect(client.get_task({ task_id: grandchild.id })).rejects.toMatchObject({ code: 'not_found' });
    expect((await client.get_project({ project_id: project.id })).task_count).toBe(
      before.project.task_count - 1,
    );
    expect((await client.get_task_dashboard({})).total_tasks).toBe(before.dashboard.total_tasks - 1);
  });

  it('drops a dependency deleted elsewhere in the tree from depends_on', async () => {
    const client = makeClient();
    const dep = await client.create_task({ title: 'dep' });
    const waiting = await client.create_task({ title: 'waiting', depends_on: [dep.id] });
    expect((await client.get_task({ task_id: waiting.id })).depends_on).toEqual([dep.id]);
    await client.delete_task({ task_id: dep.id });
    expect((await client.get_task({ task_id: waiting.id })).depends_on).toEqual([]);
  });

  it('detaches tasks from a deleted project', async () => {
    const client = makeClient();
    const project = await client.create_project({ name: 'doomed' });
    const task = await client.create_task({ title: 'homeless soon', project_id: project.id });
    await client.get_task({ task_id: task.id });
    await client.delete_project({ project_id: project.id });
    expect((await client.get_task({ task_id: task.id })).project_id).toBeNull();
  });

  it('invalidates only what a change can reach', async () => {
    const client = makeClient();
    const one = await client.create_task({ title: 'one' });
    const other = await client.create_task({ title: 'other' });
    await client.get_task({ task_id: one.id });
    await client.get_task({ task_id: other.id });
    await client.list_roles({});
    await client.update_task({ task_id: one.id, title: 'one again' });
    proxy.reset();
    await client.get_task({ task_id: other.id });
    await client.list_roles({});
    await client.get_task({ task_id: one.id });
    expect(proxy.seen.map((r) => r.path)).toEqual([`/api/tasks/${one.id}`]);
  });

  it('never serves an answer that a completed write overtook, nor stores it', async () => {
    const client = makeClient();
    const task = await client.create_task({ title: 'before' });
    // The server reads 'before' at once; the proxy holds that answer back past the update.
    proxy.queue({ kind: 'pass', answerDelayMs: 150 });
    const early = client.get_task({ task_id: task.id });
    await sleep(30);
    await client.update_task({ task_id: task.id, title: 'after' });
    expect((await client.get_task({ task_id: task.id })).title).toBe('after');
    expect((await early).title).toBe('before');
    expect((await client.get_task({ task_id: task.id })).title).toBe('after');
  });

  it('coalesces identical concurrent reads into one request', async () => {
    const client = makeClient();
    const task = await client.create_task({ title: 'popular' });
    proxy.reset();
    proxy.rule(() => ({ kind: 'pass', delayMs: 50 }));
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => client.get_task({ task_id: task.id })),
    );
    expect(gets(`/api/tasks/${task.id}`)).toBe(1);
    expect(answers.every((a) => a.title === 'popular')).toBe(true);
    expect(new Set(answers).size).toBe(10);
    expect(client.stats().cache).toMatchObject({ misses: 1, coalesced: 9 });
  });

  it('coalesces even with the cache disabled, and then stores nothing', async () => {
    const client = makeClient({ ttlMs: 0 });
    const task = await client.create_task({ title: 'uncached' });
    proxy.reset();
    proxy.rule(() => ({ kind: 'pass', delayMs: 30 }));
    const [one, two] = await Promise.all([
      client.get_task({ task_id: task.id }),
      client.get_task({ task_id: task.id }),
    ]);
    // Coalesced readers still get copies of their own: editing one answer leaves the other alone.
    expect(one).not.toBe(two);
    one.title = 'scribbled';
    expect(two.title).toBe('uncached');
    await client.get_task({ task_id: task.id });
    expect(gets(`/api/tasks/${task.id}`)).toBe(2);
    expect(client.stats().cache).toMatchObject({ enabled: false, entries: 0, hits: 0 });
  });

  it('expires entries after their TTL, lists after the shorter list TTL', async () => {
    const client = makeClient({ ttlMs: 400, listTtlMs: 100 });
    const task = await client.create_task({ title: 'ephemeral' });
    await client.get_task({ task_id: task.id });
    await client.list_tasks({});
    await sleep(150);
    await client.get_task({ task_id: task.id });
    await client.list_tasks({});
    expect(gets(`/api/tasks/${task.id}`)).toBe(1);
    expect(gets('/api/tasks')).toBe(2);
    await sleep(300);
    await client.get_task({ task_id: task.id });
    expect(gets(`/api/tasks/${task.id}`)).toBe(2);
  });

  it('shows another process its change within the list TTL', async () => {
    const client = makeClient({ listTtlMs: 100 });
    const task = await client.create_task({ title: 'shared' });
    const listed = await client.list_tasks({ limit: 500 });
    await server.http('PATCH', `/api/tasks/${task.id}`, { title: 'changed elsewhere' });
    const title = async () =>
      (await client.list_tasks({ limit: 500 })).items.find((i) => i.id === task.id)?.title;
    expect(listed.items.find((i) => i.id === task.id)?.title).toBe('shared');
    expect(await title()).toBe('shared');
    await sleep(120);
    expect(await title()).toBe('changed elsewhere');
  });

  it('evicts the least recently used entries when the byte bound is reached', async () => {
    const probe = makeClient();
    const tasks = [];
    for (let i = 0; i < 4; i++)
      tasks.push(await probe.create_task({ title: `sized ${i}`, description: 'x'.repeat(1000) }));
    await probe.get_task({ task_id: tasks[0]!.id });
    const size = probe.stats().cache.bytes;

    const client = makeClient({ maxBytes: Math.floor(size * 2.5) });
    for (const task of tasks) await client.get_task({ task_id: task.id });
    const stats = client.stats().cache;
    expect(stats).toMatchObject({ entries: 2, evictions: 2 });
    expect(stats.bytes).toBeLessThanOrEqual(size * 2.5);
    proxy.reset();
    await client.get_task({ task_id: tasks[3]!.id });
    await client.get_task({ task_id: tasks[0]!.id });
    expect(proxy.seen.map((r) => r.path)).toEqual([`/api/tasks/${tasks[0]!.id}`]);
  });

  it('evicts by entry count too', async () => {
    const client = makeClient({ maxEntries: 3 });
    for (let limit = 1; limit <= 5; limit++) await client.list_tasks({ limit });
    expect(client.stats().cache).toMatchObject({ entries: 3, evictions: 2 });
  });

  it('keys reads by their normalised arguments', async () => {
    const client = makeClient();
    await client.list_tasks({ status: 'todo', limit: 5 });
    await client.list_tasks({ limit: 5, status: 'todo' });
    await client.list_tasks({ limit: '5' as never, status: 'todo', cursor: undefined });
    expect(gets('/api/tasks')).toBe(1);
  });
});
