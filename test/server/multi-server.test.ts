import { describe, expect, it } from 'vitest';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { changesOf, openEvents } from '../helpers/events.js';
import { withAdmin } from '../helpers/pg-admin.js';
import { countTasksTitled, type HttpHelper } from '../helpers/server.js';
import { useServerPair } from '../helpers/server-pair.js';

/** Two `bindery serve` processes on one PostgreSQL schema, as behind a load balancer. */
const pair = useServerPair();

const both = () => [pair.a, pair.b];

async function create(http: HttpHelper, body: Record<string, unknown>) {
  const res = await http('POST', '/api/tasks', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe('two servers on one PostgreSQL database', () => {
  it('migrated once although both started together', async () => {
    const versions = await withAdmin(
      async (c) =>
        (await c.query(`SELECT version FROM ${pair.schema.name}.schema_migrations ORDER BY version`)).rows,
    );
    expect(versions.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
  });

  it('8 concurrent writers per server: every acknowledged create is present exactly once', async () => {
    const acknowledged: string[] = [];
    await Promise.all(
      both().flatMap((http, server) =>
        Array.from({ length: 8 }, async (_, writer) => {
          for (let i = 0; i < 40; i++) {
            const res = await http('POST', '/api/tasks', {
              title: `server ${server} writer ${writer} task ${i}`,
              tags: ['burst'],
              subtasks: [{ title: 'sub' }],
            });
            expect(res.status, JSON.stringify(res.body)).toBe(201);
            acknowledged.push(res.body.id);
          }
        }),
      ),
    );
    expect(acknowledged).toHaveLength(640);
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; next_cursor: string | null; total: number } } =
        await pair.b('GET', `/api/tasks?tag=burst&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.total).toBe(640);
      listed.push(...page.body.items.map((t) => t.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(listed).toHaveLength(640);
    expect(new Set(listed)).toEqual(new Set(acknowledged));
    expect((await pair.a('GET', '/api/dashboard/stats')).body.total_tasks).toBeGreaterThanOrEqual(1280);
  });

  it('refuses a stale expected_version across servers; of racing updates exactly one wins', async () => {
    const task = await create(pair.a, { title: 'contended' });
    expect(
      (await pair.a('PATCH', `/api/tasks/${task.id}`, { title: 'by a', expected_version: 1 })).status,
    ).toBe(200);
    const stale = await pair.b('PATCH', `/api/tasks/${task.id}`, { title: 'by b', expected_version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.details).toMatchObject({ current_version: 2, expected_version: 1 });

    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        both()[i % 2]!('PATCH', `/api/tasks/${task.id}`, { title: `racer ${i}`, expected_version: 2 }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(15);
    expect((await pair.b('GET', `/api/tasks/${task.id}`)).body.version).toBe(3);
  });

  it('one of many simultaneous execution claims on both servers wins', async () => {
    const task = await create(pair.b, { title: 'claim me' });
    const claims = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        both()[i % 2]!('POST', `/api/tasks/${task.id}/execute`, { role: 'implementer' }),
      ),
    );
    expect(claims.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = claims.filter((r) => r.status === 409);
    expect(refused).toHaveLength(15);
    expect(refused[0]!.body.code).toBe('conflict');
    const running = await withAdmin(
      async (c) =>
        (
          await c.query(
            `SELECT count(*)::int AS n FROM ${pair.schema.name}.executions WHERE task_id = $1 AND status = 'running'`,
            [task.id],
          )
        ).rows[0].n,
    );
    expect(running).toBe(1);
  });

  it('never lets two racing moves close a parent cycle, nor two dependency edits a dependency cycle', async () => {
    for (let round = 0; round < 5; round++) {
      const x = await create(pair.a, { title: `x${round}` });
      const y = await create(pair.b, { title: `y${round}` });
      const [moveX, moveY] = await Promise.all([
        pair.a('PATCH', `/api/tasks/${x.id}`, { parent_id: y.id }),
        pair.b('PATCH', `/api/tasks/${y.id}`, { parent_id: x.id }),
      ]);
      expect([moveX.status, moveY.status].sort()).toEqual([200, 409]);
      const [depX, depY] = await Promise.all([
        pair.b('PATCH', `/api/tasks/${x.id}`, { depends_on: [y.id] }),
        pair.a('PATCH', `/api/tasks/${y.id}`, { depends_on: [x.id] }),
      ]);
      expect([depX.status, depY.status].sort()).toEqual([200, 409]);
    }
  });

  it('a subtree deleted on one server while the other adds to it leaves no orphan', async () => {
    const root = await create(pair.a, { title: 'doomed', subtasks: [{ title: 'branch' }] });
    const branch = root.children[0];
    const [deleted, ...adds] = await Promise.all([
      pair.a('DELETE', `/api/tasks/${root.id}`),
      ...Array.from({ length: 10 }, () => pair.b('POST', '/api/tasks', { title: 'leaf', parent_id: branch })),
    ]);
    expect(deleted.status).toBe(200);
    for (const add of adds) expect([201, 400, 409]).toContain(add.status);
    for (const add of adds.filter((r) => r.status === 201)) {
      expect((await pair.b('GET', `/api/tasks/${add.body.id}`)).status).toBe(404);
    }
    const orphans = await withAdmin(
      async (c) =>
        (
          await c.query(`SELECT count(*)::int AS n FROM ${pair.schema.name}.tasks t WHERE t.parent_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM ${pair.schema.name}.tasks p WHERE p.id = t.parent_id)`)
        ).rows[0].n,
    );
    expect(orphans).toBe(0);
  });

  it('overlapping subtree deletes on both servers delete every task exactly once', async () => {
    const root = await create(pair.a, {
      title: 'overlap',
      subtasks: Array.from({ length: 8 }, (_, i) => ({
        title: `child ${i}`,
        subtasks: [{ title: 'g1' }, { title: 'g2' }],
      })),
    });
    const deletes = await Promise.all([
      pair.a('DELETE', `/api/tasks/${root.id}`),
      ...root.children.map((child: string, i: number) => both()[i % 2]!('DELETE', `/api/tasks/${child}`)),
    ]);
    for (const res of deletes) expect([200, 404]).toContain(res.status);
    const deleted = deletes.filter((r) => r.status === 200).reduce((sum, r) => sum + r.body.deleted_count, 0);
    expect(deleted).toBe(1 + 8 * 3);
  });

  it('replays an Idempotency-Key on the other server', async () => {
    const headers = { 'idempotency-key': `multi-${pair.schema.name}` };
    const first = await pair.a('POST', '/api/tasks', { title: 'once' }, headers);
    const again = await pair.b('POST', '/api/tasks', { title: 'once' }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
  });

  it('runs racing requests with one Idempotency-Key on both servers once', async () => {
    for (let round = 0; round < 5; round++) {
      const headers = { 'idempotency-key': `race-${pair.schema.name}-${round}` };
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? pair.a : pair.b)('POST', '/api/tasks', { title: 'raced' }, headers),
        ),
      );
      expect(answers.map((res) => res.status)).toEqual(Array(8).fill(201));
      expect(new Set(answers.map((res) => res.body.id)).size).toBe(1);
    }
    expect(await countTasksTitled(pair.a, 'raced')).toBe(5);
  });

  it('a write on one server reaches an event stream of the other (LISTEN/NOTIFY wakes it)', async () => {
    const stream = await openEvents(pair.servers[1].url);
    await stream.until((events) => events.some((e) => e.event === 'ready'));
    const task = await create(pair.a, { title: 'seen across servers' });
    const events = await stream.until((e) => changesOf(e).some((c) => c.id === task.id));
    stream.close();
    expect(changesOf(events).find((c) => c.id === task.id)).toMatchObject({ entity: 'task', op: 'created' });
  });

  it('8 agents calling next_task(claim) on both servers never get the same task', async () => {
    const project = (await pair.a('POST', '/api/projects', { name: `claims ${pair.schema.name}` })).body.id;
    const dep = await create(pair.a, { title: 'first', project_id: project });
    for (let i = 0; i < 40; i++)
      await create(i % 2 ? pair.a : pair.b, { title: `job ${i}`, project_id: project });
    await create(pair.b, { title: 'after first', project_id: project, depends_on: [dep.id] });
    const claimed: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, agent) => {
        const http = agent % 2 ? pair.a : pair.b;
        for (;;) {
          const res = await http('POST', '/api/tasks/next', {
            project_id: project,
            claim: true,
            role_name: 'implementer',
          });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          if (!res.body.task) return;
          claimed.push(res.body.task.id);
          if (res.body.task.id === dep.id) await pair.a('POST', `/api/tasks/${dep.id}/complete`, {});
        }
      }),
    );
    expect(new Set(claimed).size).toBe(claimed.length);
    // The dependent was claimable only once its dependency was done; every task was claimed once.
    expect(claimed).toHaveLength(42);
  });
});
