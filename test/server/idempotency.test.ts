import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAIM_STALE_MS, requestHash } from '../../src/server/idempotency.js';
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

/** Claims `key` for a create of `body` as another server would, `ageMs` ago. */
async function claimElsewhere(key: string, body: unknown, ageMs = 0) {
  const claim = {
    key,
    request_hash: requestHash('POST', '/api/tasks', {}, body),
    created_at: new Date(Date.now() - ageMs).toISOString(),
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
    const claim = await claimElsewhere('elsewhere-1', body);
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

  it('takes over a claim left without an answer by a server that died', async () => {
    const body = { title: 'orphaned claim' };
    await claimElsewhere('orphan-1', body, CLAIM_STALE_MS + 1000);
    const res = await t.http('POST', '/api/tasks', body, { 'idempotency-key': 'orphan-1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect(await countTasksTitled(t.http, 'orphaned claim')).toBe(1);
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
