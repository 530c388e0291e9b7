/**
 * The change hub on the store under test: a subscriber that pauses between events (an event stream
 * waiting for its reader) while the hub reads on still gets every change once, in order.
 */
import { afterEach, expect, it } from 'vitest';
import { BINDERY_VERSION } from '../../src/contract/index.js';
import { ChangeHub, type FeedEvent } from '../../src/server/change-hub.js';
import { RoleRegistry } from '../../src/service/roles.js';
import { createService } from '../../src/service/service.js';
import { openStore } from '../../src/store/index.js';
import { databaseUrlFor, dropWorkspaceSchema } from '../helpers/postgres.js';
import { tempWorkspace } from '../helpers/workspace.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('a subscriber paused at an event misses nothing the hub read meanwhile', async () => {
  const ws = tempWorkspace();
  const store = await openStore({ workspace: ws.dir, databaseUrl: await databaseUrlFor(ws.dir) });
  cleanups.push(async () => {
    await store.close();
    await dropWorkspaceSchema(ws.dir);
    ws.remove();
  });
  const api = createService({
    store,
    roles: new RoleRegistry(),
    version: BINDERY_VERSION,
    workspace: ws.dir,
  });
  // Two rows per read: a tree of three tasks takes the hub two reads.
  const hub = new ChangeHub(store, { readBatch: 2 });
  await hub.start();
  cleanups.push(() => hub.close());
  const subscription = await hub.subscribe({ filter: {} });
  const events = subscription[Symbol.asyncIterator]();
  const next = async () => (await events.next()).value as FeedEvent;
  expect((await next()).type).toBe('ready');

  const root = await api.create_task({ title: 'root', subtasks: [{ title: 'a' }, { title: 'b' }] });
  const first = next();
  hub.wake();
  const taken: FeedEvent[] = [await first];
  // Paused at the first event until the hub has read the third row too.
  while (hub.position < (taken[0] as { change: { seq: number } }).change.seq + 2) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  taken.push(await next(), await next());
  subscription.close();
  const changes = taken.map((event) => (event.type === 'change' ? event.change.id : event.type));
  expect(changes.sort()).toEqual([root.id, ...root.children].sort());
});
