/**
 * The change log through a real server: what each write records, the page, history, entity tags and the
 * event stream (order, resume, filters, refusals), on the store under test.
 */
import { connect } from 'node:net';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesOf, openEvents } from '../helpers/events.js';
import { parseScrape, sample } from '../helpers/prometheus.js';
import { type HttpHelper, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let http: HttpHelper;

beforeAll(async () => {
  t = await startTestServer();
  http = t.http;
});
afterAll(async () => {
  await t.stop();
  await t.remove();
});

const as = (actor: string) => ({ 'x-bindery-actor': actor });

async function newest(): Promise<number> {
  return (await http('GET', `/api/changes?since=0&limit=1000`)).body.next_since;
}

async function changesSince(since: number, query = ''): Promise<any[]> {
  const page = await http('GET', `/api/changes?since=${since}&limit=1000${query}`);
  expect(page.status, JSON.stringify(page.body)).toBe(200);
  return page.body.items;
}

describe('the change log', () => {
  it('records one row per changed entity with its actor, fields and status move, in one order', async () => {
    const start = await newest();
    const project = (await http('POST', '/api/projects', { name: `log ${Date.now()}` }, as('ann'))).body;
    const root = (
      await http(
        'POST',
        '/api/tasks',
        { title: 'root', project_id: project.id, subtasks: [{ title: 'a' }, { title: 'b' }] },
        as('ann'),
      )
    ).body;
    const moved = await http(
      'PATCH',
      `/api/tasks/${root.id}`,
      { status: 'doing', title: 'root!' },
      as('bob'),
    );
    expect(moved.body.updated_by).toBe('bob');
    const note = (await http('POST', '/api/notes', { title: 'n', project_id: project.id }, as('cy'))).body;
    expect(note.updated_by).toBe('cy');
    await http('POST', `/api/tasks/${root.id}/execute`, { role: 'implementer' }, as('dee'));
    await http('DELETE', `/api/tasks/${root.id}`, undefined, as('eve'));

    const rows = await changesSince(start);
    const seqs = rows.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const summary = rows.map((r) => [r.entity, r.op, r.actor]);
    expect(summary.slice(0, 4)).toEqual([
      ['project', 'created', 'ann'],
      ['task', 'created', 'ann'],
      ['task', 'created', 'ann'],
      ['task', 'created', 'ann'],
    ]);
    const update = rows.find((r) => r.entity === 'task' && r.op === 'updated' && r.actor === 'bob');
    expect(update).toMatchObject({
      id: root.id,
      version: 2,
      project_id: project.id,
      from: 'todo',
      to: 'doing',
    });
    expect(update.fields).toEqual(['title', 'status']);
    expect(rows.filter((r) => r.entity === 'execution')).toMatchObject([{ op: 'created', actor: 'dee' }]);
    const deleted = rows.filter((r) => r.op === 'deleted');
    // The subtree goes in one transaction: one row per task, children first.
    expect(deleted.map((r) => r.id).sort()).toEqual([root.id, ...root.children].sort());
    expect(new Set(deleted.map((r) => r.actor))).toEqual(new Set(['eve']));
    expect(rows.filter((r) => r.entity === 'note')).toMatchObject([{ id: note.id, op: 'created' }]);
  });

  it('pages oldest first with next_since, filters by entity and project', async () => {
    const start = await newest();
    const project = (await http('POST', '/api/projects', { name: `page ${Date.now()}` })).body;
    for (let i = 0; i < 5; i++) await http('POST', '/api/tasks', { title: `p${i}`, project_id: project.id });
    await http('POST', '/api/tasks', { title: 'elsewhere' });
    const first = await http('GET', `/api/changes?since=${start}&limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.next_since).toBe(first.body.items[1].seq);
    const rest = await changesSince(first.body.next_since);
    expect(rest[0].seq).toBeGreaterThan(first.body.next_since);
    const inProject = await changesSince(start, `&project_id=${project.id}&entity=task`);
    expect(inProject.map((r) => r.entity)).toEqual(['task', 'task', 'task', 'task', 'task']);
    // A short page read up to the newest change: reading on from next_since finds nothing already seen.
    const page = await http('GET', `/api/changes?since=${start}&entity=project`);
    expect(page.body.next_since).toBe(await newest());
  });

  it('refuses a bad position, entity or actor, naming the field', async () => {
    for (const [query, field] of [
      ['since=-1', 'since'],
      ['since=abc', 'since'],
      ['since=1.5', 'since'],
      [`since=${Number.MAX_SAFE_INTEGER}`, 'since'],
      ['entity=role', 'entity'],
      ['limit=0', 'limit'],
    ]) {
      const res = await http('GET', `/api/changes?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      const stream = await http('GET', `/api/events?${query}`);
      if (field !== 'limit') expect(stream.status, `events ${query}`).toBe(400);
    }
    const badActor = await http('POST', '/api/tasks', { title: 'x' }, as('a'.repeat(101)));
    expect(badActor.status).toBe(400);
    expect(badActor.body.details[0].field).toBe('X-Bindery-Actor');
    const control = await http('POST', '/api/tasks', { title: 'x' }, as('bad\tname'));
    expect(control.status).toBe(400);
  });
});

describe('history', () => {
  it('answers newest first, pages, works for a deleted task and over JSON-RPC', async () => {
    const task = (await http('POST', '/api/tasks', { title: 'h' }, as('ann'))).body;
    await http('PATCH', `/api/tasks/${task.id}`, { status: 'review' }, as('bob'));
    await http('PATCH', `/api/tasks/${task.id}`, { status: 'done' }, as('cy'));
    await http('DELETE', `/api/tasks/${task.id}`, undefined, as('dee'));
    const first = await http('GET', `/api/tasks/${task.id}/history?limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(4);
    expect(first.body.items.map((c: any) => [c.op, c.actor])).toEqual([
      ['deleted', 'dee'],
      ['updated', 'cy'],
      ['updated', 'bob'],
    ]);
    const second = await http(
      'GET',
      `/api/tasks/${task.id}/history?limit=3&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.items.map((c: any) => c.op)).toEqual(['created']);
    expect(second.body.next_cursor).toBeNull();
    const rpc = await http('POST', '/rpc', {
      jsonrpc: '2.0',
      id: 1,
      method: 'get_history',
      params: { entity: 'task', id: task.id, limit: 1 },
    });
    expect(rpc.body.result.items[0]).toMatchObject({ op: 'deleted', actor: 'dee' });
    const project = (await http('POST', '/api/projects', { name: `hist ${Date.now()}` })).body;
    const projectHistory = await http('GET', `/api/projects/${project.id}/history`);
    expect(projectHistory.body.items).toMatchObject([{ entity: 'project', op: 'created' }]);
  });
});

describe('entity tags', () => {
  it('tags an entity with its version and answers 304 to a matching If-None-Match', async () => {
    const task = (await http('POST', '/api/tasks', { title: 'etag' })).body;
    const read = await http('GET', `/api/tasks/${task.id}`);
    expect(read.headers.get('etag')).toBe('"1"');
    const same = await http('GET', `/api/tasks/${task.id}`, undefined, { 'if-none-match': '"1"' });
    expect(same.status).toBe(304);
    expect(same.body).toBeUndefined();
    await http('PATCH', `/api/tasks/${task.id}`, { title: 'etag 2' });
    const changed = await http('GET', `/api/tasks/${task.id}`, undefined, { 'if-none-match': '"1"' });
    expect(changed.status).toBe(200);
    expect(changed.body.title).toBe('etag 2');
    expect(changed.headers.get('etag')).toBe('"2"');
  });
});

describe('GET /api/events', () => {
  it('streams changes from now in order, with ids, and a filtered stream only its entity', async () => {
    const all = await openEvents(t.url);
    const notes = await openEvents(t.url, '/api/events?entity=note');
    expect(all.status).toBe(200);
    await all.until((events) => events.some((e) => e.event === 'ready'));
    await notes.until((events) => events.some((e) => e.event === 'ready'));
    const task = (await http('POST', '/api/tasks', { title: 'streamed' })).body;
    const note = (await http('POST', '/api/notes', { title: 'streamed note' })).body;
    const events = await all.until((e) => changesOf(e).some((c) => c.id === note.id));
    const changes = changesOf(events);
    expect(changes.map((c) => c.id)).toEqual([task.id, note.id]);
    const ids = events.filter((e) => e.event === 'change').map((e) => Number(e.id));
    expect(ids).toEqual(changes.map((c) => c.seq));
    const noteEvents = await notes.until((e) => changesOf(e).length > 0);
    expect(changesOf(noteEvents).map((c) => c.id)).toEqual([note.id]);
    all.close();
    notes.close();
  });

  it('resumes after Last-Event-ID (or ?since) with no gap and no duplicate', async () => {
    const start = await newest();
    const first = await openEvents(t.url, `/api/events?since=${start}`);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push((await http('POST', '/api/tasks', { title: `r${i}` })).body.id);
    const seen = changesOf(await first.until((e) => changesOf(e).length === 3));
    first.close();
    // Written while no stream was open.
    for (let i = 3; i < 6; i++) made.push((await http('POST', '/api/tasks', { title: `r${i}` })).body.id);
    const resumed = await openEvents(t.url, `/api/events?since=${start}`, {
      'last-event-id': String(seen.at(-1).seq),
    });
    const rest = changesOf(await resumed.until((e) => changesOf(e).length === 3));
    resumed.close();
    expect([...seen, ...rest].map((c) => c.id)).toEqual(made);
  });

  it('sends a ping comment on a quiet stream (every 15 s by default; shortened here)', async () => {
    const quiet = await startTestServer({ configure: (config) => (config.eventStream = { pingMs: 50 }) });
    try {
      const stream = await openEvents(quiet.url);
      const deadline = Date.now() + 5_000;
      while (stream.text().split(': ping\n\n').length < 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      stream.close();
      expect(stream.text().split(': ping\n\n').length).toBeGreaterThanOrEqual(3);
    } finally {
      await quiet.stop();
      await quiet.remove();
    }
  });

  it('refuses a foreign Origin like every route', async () => {
    const res = await http('GET', '/api/events', undefined, { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
  });

  it('waits for a reader past the bound, cuts one that leaves it undrained, and it resumes by id with no gap', {
    timeout: 300_000,
  }, async () => {
    const stallMs = 1_000;
    const slow = await startTestServer({
      configure: (config) => (config.eventStream = { maxBufferedBytes: 64 * 1024, maxStallMs: stallMs }),
    });
    try {
      const start = (await slow.http('GET', '/api/changes?since=0&limit=1')).body.next_since;
      const subscribers = async () =>
        sample(parseScrape((await slow.http('GET', '/metrics')).body), 'bindery_event_stream_subscribers');
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      // A raw socket that sends its request and never reads. HTTP/1.0, so the body is the bare event text.
      const { port } = new URL(slow.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.pause();
      socket.write(`GET /api/events?since=${start} HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      while ((await subscribers()) !== 1) await sleep(20);
      // The kernel's socket buffers take some MB before the server's own buffer fills: write batches of
      // 1,001 changes of ~0.4 KB until the server cuts the stream (giving up far beyond those buffers).
      const actor = { 'x-bindery-actor': 'a'.repeat(100) };
      const subtasks = Array.from({ length: 1000 }, (_, i) => ({ title: `slow ${i}` }));
      let batches = 0;
      while ((await subscribers()) === 1 && batches < 100) {
        const res = await slow.http('POST', '/api/tasks', { title: 'batch', subtasks }, actor);
        expect(res.status).toBe(201);
        batches++;
      }
      // The cut comes at most maxStallMs after the bound is passed; batches written meanwhile only add volume.
      expect(await subscribers()).toBe(0);
      const written = batches * 1001;

      // Read what reached the socket before the cut: the server has closed the stream.
      const received: EventSourceMessage[] = [];
      const parser = createParser({ onEvent: (event) => received.push(event) });
      let head = '';
      let inBody = false;
      socket.setEncoding('utf8');
      await new Promise<void>((resolve) => {
        socket.on('data', (chunk: string) => {
          if (inBody) return parser.feed(chunk);
          head += chunk;
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          expect(head).toMatch(/^HTTP\/1\.[01] 200/);
          inBody = true;
          parser.feed(head.slice(end + 4));
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve());
        socket.resume();
      });
      const cut = changesOf(received);
      expect(cut.length).toBeLessThan(written);
      const lastId = received.filter((e) => e.id !== undefined).at(-1)!.id!;

      // The resumed stream's backlog is far past the bound: it waits for this reader rather than cut it.
      const resumed = await openEvents(slow.url, '/api/events', { 'last-event-id': lastId });
      const ready = (events: EventSourceMessage[]) => events.some((e) => e.event === 'ready');
      const rest = changesOf(await resumed.until(ready, 60_000).catch(() => resumed.events));
      resumed.close();
      const logged: number[] = [];
      for (let since = start; ; ) {
        const page = (await slow.http('GET', `/api/changes?since=${since}&limit=1000`)).body;
        logged.push(...page.items.map((c: { seq: number }) => c.seq));
        if (page.items.length < 1000) break;
        since = page.next_since;
      }
      expect(logged).toHaveLength(written);
      const seqs = [...cut, ...rest].map((c) => c.seq);
      expect({ length: seqs.length, first: seqs[0], last: seqs.at(-1) }).toEqual({
        length: logged.length,
        first: logged[0],
        last: logged.at(-1),
      });
      expect(seqs).toEqual(logged);
    } finally {
      await slow.stop();
      await slow.remove();
    }
  });
});
