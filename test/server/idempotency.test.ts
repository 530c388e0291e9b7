import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDir } from '../../src/runtime/workspace.js';
import { HEARTBEAT_MS, requestHash } from '../../src/server/idempotency.js';
import { RoleRegistry } from '../../src/service/roles.js';
import { createService } from '../../src/service/service.js';
import { runWithIdempotency } from '../../src/store/idempotency-scope.js';
import { openStore, type Store } from '../../src/store/index.js';
import { countTasksTitled, useTestServer } from '../helpers/server.js';

const t = useTestServer();
/** A second connection to the server's database: what another server on it would do. */
let other: Store;

beforeAll(async () => {
  other = await openStore({ workspace: t.workspace, databaseUrl: t.databaseUrl });
});
afterAll(async () => {
  await other.close();
});

/** Claims `key` for a create of `body` as another server (`owner`) would, `ageMs` ago. */
async function claimElsewhere(key: string, body: unknown, owner: string, ageMs = 0) {
  const claim = {
    key,
    request_hash: requestHash('POST', '/api/tasks', {}, body),
    created_at: new Date(Date.now() - ageMs).toISOString(),
    owner,
  };
  expect(await other.claimIdempotency(claim)).toBeNull();
  return claim;
}

describe('Idempotency-Key on the server', () => {
  it('replays the first answer for a repeat with the same key and body', async () => {
    const headers = { 'idempotency-key': 'replay-1' };
    const first = await t.http('POST', '/api/tasks', { title: 'replay me' }, headers);
    const second = await t.http('POST', '/api/tasks', { title: 'replay me' }, headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body).toEqual(first.body);
    expect(await countTasksTitled(t.http, 'replay me')).toBe(1);
  });

  it('refuses the same key with a different body as a conflict', async () => {
    const headers = { 'idempotency-key': 'conflict-1' };
    await t.http('POST', '/api/tasks', { title: 'one body' }, headers);
    const other = await t.http('POST', '/api/tasks', { title: 'another body' }, headers);
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('conflict');
    expect(await countTasksTitled(t.http, 'another body')).toBe(0);
  });

  it('runs concurrent requests with one key once', async () => {
    const headers = { 'idempotency-key': 'race-1' };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => t.http('POST', '/api/tasks', { title: 'raced' }, headers)),
    );
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
    expect(await countTasksTitled(t.http, 'raced')).toBe(1);
  });

  it('refuses an empty or oversized key', async () => {
    const long = await t.http('POST', '/api/tasks', { title: 'k' }, { 'idempotency-key': 'x'.repeat(201) });
    expect(long.status).toBe(400);
  });
});

describe('Idempotency-Key claims shared with other servers on the database', () => {
  it('waits while another server runs the request, then replays its answer', async () => {
    const body = { title: 'claimed elsewhere' };
    await other.idempotencyHeartbeat('live-server', new Date(0).toISOString());
    const claim = await claimElsewhere('elsewhere-1', body, 'live-server');
    const pending = t.http('POST', '/api/tasks', body, { 'idempotency-key': 'elsewhere-1' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const answer = { id: randomUUID(), title: 'claimed elsewhere' };
    await other.completeIdempotency(claim, 201, JSON.stringify(answer));
    const res = await pending;
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotent-replayed')).toBe('true');
    expect(res.body).toEqual(answer);
    expect(await countTasksTitled(t.http, 'claimed elsewhere')).toBe(0);
  });

  it('takes over at once a fresh claim of a server that is not alive (no heartbeat)', async () => {
    const body = { title: 'orphaned claim' };
    await claimElsewhere('orphan-1', body, 'dead-server');
    const started = Date.now();
    const res = await t.http('POST', '/api/tasks', body, { 'idempotency-key': 'orphan-1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect(Date.now() - started).toBeLessThan(5_000); // not the 10 s wait for a live owner
    expect(await countTasksTitled(t.http, 'orphaned claim')).toBe(1);
  });

  it('answers a key whose write committed before its server died from that write, writing nothing again', async () => {
    const body = { title: 'committed then crashed' };
    const claim = await claimElsewhere('crashed-1', body, 'crashed-server');
    const crashed = createService({
      store: other,
      roles: RoleRegistry.forWorkspace(dataDir(t.workspace)),
      version: 'test',
      workspace: t.workspace,
    });
    // The other server's request: its write commits the key's mark; then it "dies" before answering.
    const written = await runWithIdempotency({ claim, committed: false }, () => crashed.create_task(body));
    const res = await t.http('POST', '/api/tasks', body, { 'idempotency-key': 'crashed-1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotent-replayed')).toBe('true');
    expect(res.body).toEqual(written);
    expect(await countTasksTitled(t.http, 'committed then crashed')).toBe(1);
  });

  it('refuses the write of a request whose claim another server took over: nothing is written twice', async () => {
    const body = { title: 'taken over' };
    const claim = await claimElsewhere('taken-1', body, 'slow-server');
    const res = await t.http('POST', '/api/tasks', body, { 'idempotency-key': 'taken-1' });
    expect(res.status).toBe(201);
    const slow = createService({
      store: other,
      roles: RoleRegistry.forWorkspace(dataDir(t.workspace)),
      version: 'test',
      workspace: t.workspace,
    });
    await expect(
      runWithIdempotency({ claim, committed: false }, () => slow.create_task(body)),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await countTasksTitled(t.http, 'taken over')).toBe(1);
  });

  it('purges answers older than 24 h while running, not only at start-up', async () => {
    const old = {
      key: 'expired-1',
      request_hash: 'h',
      created_at: new Date(Date.now() - 25 * 3600_000).toISOString(),
      owner: 'x',
    };
    expect(await other.claimIdempotency(old)).toBeNull();
    await other.completeIdempotency(old, 201, '{}');
    const fresh = { ...old, request_hash: 'other', created_at: new Date().toISOString() };
    const deadline = Date.now() + HEARTBEAT_MS * 5;
    let purged = false;
    while (!purged && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      // The old answer still there refuses the claim; gone, the claim is ours.
      purged = (await other.claimIdempotency(fresh)) === null;
    }
    expect(purged).toBe(true);
  });

  it('releases the claim of a request that failed, so the key can run again', async () => {
    const headers = { 'idempotency-key': 'failed-1' };
    const failed = await t.http('POST', '/api/tasks', { title: 'orphan', parent_id: randomUUID() }, headers);
    expect(failed.status).toBe(400);
    expect(failed.body.details).toEqual([expect.objectContaining({ field: 'parent_id' })]);
    const retried = await t.http('POST', '/api/tasks', { title: 'after the failure' }, headers);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });
});
