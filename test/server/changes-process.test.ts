/**
 * The change log across real `bindery serve` processes: a server killed with -9 loses no acknowledged change
 * and a consumer resuming from its last id gets every change once; a pruned position answers `reset`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { changesOf, openEvents } from '../helpers/events.js';
import { type ServeProcess, spawnServe } from '../helpers/process.js';
import { httpHelper } from '../helpers/server.js';
import { tempWorkspace } from '../helpers/workspace.js';

const running: ServeProcess[] = [];
const workspaces: { remove: () => void }[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) {
    server.proc.kill('SIGKILL');
    await server.exited;
  }
  for (const ws of workspaces.splice(0)) ws.remove();
});

async function serve(dir: string, env: Record<string, string> = {}) {
  const server = await spawnServe(dir, env);
  running.push(server);
  return { server, http: httpHelper(server.url) };
}

async function createTasks(http: ReturnType<typeof httpHelper>, prefix: string, n: number) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await http('POST', '/api/tasks', { title: `${prefix} ${i}` });
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  return ids;
}

describe('change log across server processes', () => {
  it('after kill -9 and a restart, a consumer resuming from its last id gets every change once', {
    timeout: 90_000,
  }, async () => {
    const ws = tempWorkspace();
    workspaces.push(ws);
    const first = await serve(ws.dir);
    const stream = await openEvents(first.server.url, '/api/events?since=0');
    const before = await createTasks(first.http, 'before', 5);
    const seen = changesOf(await stream.until((e) => changesOf(e).length === 5));
    // Acknowledged but not yet read by anyone when the server dies.
    const unread = await createTasks(first.http, 'unread', 3);
    first.server.proc.kill('SIGKILL');
    await first.server.exited;
    await stream.ended;

    const second = await serve(ws.dir);
    const after = await createTasks(second.http, 'after', 2);
    const resumed = await openEvents(second.server.url, '/api/events', {
      'last-event-id': String(seen.at(-1).seq),
    });
    const rest = changesOf(await resumed.until((e) => changesOf(e).length === 5));
    resumed.close();
    const ids = [...seen, ...rest].map((c) => c.id);
    expect(ids).toEqual([...before, ...unread, ...after]);
    const seqs = [...seen, ...rest].map((c) => c.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('answers reset for a position that was pruned, then goes on', { timeout: 90_000 }, async () => {
    const ws = tempWorkspace();
    workspaces.push(ws);
    const env = { BINDERY_CHANGES_MAX_ROWS: '4' };
    const first = await serve(ws.dir, env);
    await createTasks(first.http, 'old', 10);
    first.server.proc.kill('SIGTERM');
    await first.server.exited;
    // Pruning runs at start (and then every minute): only the newest 4 changes stay.
    const second = await serve(ws.dir, env);
    let page = await second.http('GET', '/api/changes?since=1');
    // The start-up pruning runs beside the first requests: wait for it.
    for (let tries = 0; !page.body.reset && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      page = await second.http('GET', '/api/changes?since=1');
    }
    expect(page.body.reset).toBe(true);
    expect(page.body.items.map((c: { seq: number }) => c.seq)).toEqual([7, 8, 9, 10]);
    const stream = await openEvents(second.server.url, '/api/events', { 'last-event-id': '2' });
    const [fresh] = await createTasks(second.http, 'new', 1);
    const events = await stream.until((e) => changesOf(e).some((c) => c.id === fresh));
    stream.close();
    expect(events[0]!.event).toBe('reset');
    expect(changesOf(events).at(-1).id).toBe(fresh);
  });
});
