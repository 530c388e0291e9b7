import { beforeAll, describe, expect, it } from 'vitest';
import { dbSnapshot } from '../helpers/db-snapshot.js';
import { startTestServer, useTestServer } from '../helpers/server.js';

const t = useTestServer();
let existing: { id: string; version: number };
beforeAll(async () => {
  existing = (await t.http('POST', '/api/tasks', { title: 'existing' })).body;
});

/** Runs a request that must be refused and proves the database did not change. */
async function refused(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const before = await dbSnapshot(t);
  const res = await t.http(method, path, body, headers);
  expect(await dbSnapshot(t)).toEqual(before);
  expect(res.headers.get('content-type')).toContain('application/json');
  return res;
}

function chain(levels: number): Record<string, unknown> {
  let node: Record<string, unknown> = { title: `level ${levels - 1}` };
  for (let level = levels - 2; level >= 0; level--) node = { title: `level ${level}`, subtasks: [node] };
  return node;
}

describe('bad input over HTTP is refused with a structured error and nothing written', () => {
  it('malformed JSON → 400 validation_error', async () => {
    const res = await refused('POST', '/api/tasks', '{"title": "x",');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_error');
    expect(res.body.error).toMatch(/not valid JSON/);
  });

  it('a body that is not an object → 400', async () => {
    expect((await refused('POST', '/api/tasks', '[1,2]')).status).toBe(400);
    expect((await refused('POST', '/api/tasks', '"text"')).status).toBe(400);
  });

  it('unknown fields → 400 naming each, also nested in subtasks', async () => {
    const res = await refused('POST', '/api/tasks', {
      title: 'x',
      titel: 'typo',
      subtasks: [{ title: 'y', prio: 1 }],
    });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        { field: 'titel', reason: 'unknown field' },
        { field: 'subtasks.0.prio', reason: 'unknown field' },
      ]),
    );
    const update = await refused('PATCH', `/api/tasks/${existing.id}`, { titel: 'typo' });
    expect(update.body.details).toEqual([{ field: 'titel', reason: 'unknown field' }]);
    const query = await refused('GET', '/api/tasks?stauts=todo');
    expect(query.status).toBe(400);
    expect(query.body.details).toEqual([{ field: 'stauts', reason: 'unknown field' }]);
  });

  it('wrong types and out-of-range values → 400 listing every bad field', async () => {
    const res = await refused('POST', '/api/tasks', {
      title: '',
      description: 5,
      status: 'sleeping',
      priority: 'meh',
      tags: 'not-a-list',
      due_at: 'tomorrow',
      depends_on: ['nope'],
    });
    expect(res.status).toBe(400);
    const fields = res.body.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(['depends_on.0', 'description', 'due_at', 'priority', 'status', 'tags', 'title']);
    expect((await refused('POST', '/api/tasks', { title: 'x'.repeat(501) })).body.details[0].field).toBe(
      'title',
    );
    expect(
      (await refused('POST', '/api/tasks', { title: 'x', description: 'd'.repeat(10_001) })).status,
    ).toBe(400);
    expect((await refused('GET', '/api/tasks?limit=0')).body.details[0].field).toBe('limit');
    expect((await refused('GET', '/api/tasks?limit=501')).status).toBe(400);
    expect((await refused('GET', '/api/tasks?cursor=bogus')).body.details[0].field).toBe('cursor');
  });

  it('an empty update is refused rather than silently doing nothing', async () => {
    const res = await refused('PATCH', `/api/tasks/${existing.id}`, {});
    expect(res.status).toBe(400);
  });

  it('non-UUID path ids → 400, unknown ids → 404 with a suggestion-friendly code', async () => {
    const bad = await refused('GET', '/api/tasks/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ field: 'task_id', reason: 'must be a UUID' }]);
    expect((await refused('DELETE', '/api/tasks/123')).status).toBe(400);
    // Control characters are cleaned from the body and query, never from a path id.
    const withControl = await refused('DELETE', `/api/tasks/${existing.id}%01`);
    expect(withControl.body.details).toEqual([{ field: 'task_id', reason: 'must be a UUID' }]);
    const missing = await refused('PATCH', '/api/tasks/00000000-0000-4000-8000-000000000000', { title: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
  });

  it('a body field that repeats the path id is refused', async () => {
    const res = await refused('PATCH', `/api/tasks/${existing.id}`, { task_id: existing.id, title: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.details[0].field).toBe('task_id');
  });

  it('missing references are named; a dependency on a missing task is refused', async () => {
    const res = await refused('POST', '/api/tasks', {
      title: 'x',
      parent_id: '00000000-0000-4000-8000-000000000002',
      depends_on: [existing.id, '00000000-0000-4000-8000-000000000003'],
    });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'depends_on.1',
      'parent_id',
    ]);
  });

  it('a subtask 11 levels below the root → 400 task_depth_exceeded and no task written', async () => {
    const res = await refused('POST', '/api/tasks', chain(12));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('task_depth_exceeded');
    expect(res.body.details[0].field).toMatch(/^(subtasks\.0\.){10}subtasks\.0$/);
  });

  it('oversized body → 413 with a JSON body', async () => {
    const res = await refused('POST', '/api/tasks', { title: 'x', description: 'd'.repeat(3 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('wrong Content-Type → 415', async () => {
    const res = await refused('POST', '/api/tasks', 'title=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('validation_error');
  });

  it('unknown routes → 404 JSON', async () => {
    const res = await refused('GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
  });
});

describe('HTTP safety', () => {
  it('refuses a foreign Host (DNS rebinding) with 403', async () => {
    const res = await refused('POST', '/api/tasks', { title: 'x' }, { host: 'evil.example:3000' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('permission_denied');
  });

  it('refuses any Origin that is not allowed, and sends no CORS headers', async () => {
    const res = await refused('POST', '/api/tasks', { title: 'x' }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const ok = await t.http('GET', '/api/tasks', undefined, { host: 'localhost' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows configured hosts and origins, and requires the token when one is set', async () => {
    const s = await startTestServer({
      env: {
        BINDERY_ALLOWED_HOSTS: 'bindery.internal',
        BINDERY_ALLOWED_ORIGINS: 'http://localhost:6274',
        BINDERY_TOKEN: 's3cret',
      },
    });
    try {
      expect((await s.http('GET', '/health', undefined, { host: 'bindery.internal' })).status).toBe(200);
      expect((await s.http('GET', '/api/roles')).status).toBe(401);
      expect((await s.http('GET', '/api/roles', undefined, { authorization: 'Bearer wrong' })).status).toBe(
        401,
      );
      const auth = { authorization: 'Bearer s3cret' };
      expect((await s.http('GET', '/api/roles', undefined, auth)).status).toBe(200);
      expect(
        (await s.http('GET', '/api/roles', undefined, { ...auth, origin: 'http://localhost:6274' })).status,
      ).toBe(200);
    } finally {
      await s.stop();
      await s.remove();
    }
  });
});

describe('structure limits and dangerous keys (docs/security.md) on REST and JSON-RPC', () => {
  it('refuses __proto__, constructor and __-prefixed keys anywhere, naming the path', async () => {
    const proto = await refused(
      'POST',
      '/api/tasks',
      '{"title":"x","subtasks":[{"title":"y","__proto__":{"polluted":1}}]}',
    );
    expect(proto.status).toBe(400);
    expect(proto.body.details[0].field).toBe('subtasks.0.__proto__');
    const ctor = await refused('POST', '/api/tasks', {
      title: 'x',
      labels: { constructor: { prototype: 1 } },
    });
    expect(ctor.body.details[0].field).toBe('labels.constructor');
    const under = await refused('PATCH', `/api/tasks/${existing.id}`, { __internal: true });
    expect(under.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const rpc = await t.http(
      'POST',
      '/rpc',
      '{"jsonrpc":"2.0","id":7,"method":"create_task","params":{"title":"x","__proto__":{}}}',
    );
    expect(rpc.body).toMatchObject({ id: 7, error: { code: -32602, data: { code: 'validation_error' } } });
  });

  it('removes control characters but keeps tab, LF and CR', async () => {
    const res = await t.http('POST', '/api/tasks', { title: 'a\u0000b\u0007c', description: 'x\ty\nz\r' });
    expect(res.status).toBe(201);
    expect(res.body.title).toBe('abc');
    expect(res.body.description).toBe('x\ty\nz\r');
  });

  it('refuses objects with over 100 keys and arrays over 1,000 items', async () => {
    const labels = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
    expect((await refused('POST', '/api/tasks', { title: 'x', labels })).status).toBe(400);
    const tags = Array.from({ length: 1001 }, (_, i) => `t${i}`);
    expect((await refused('POST', '/api/tasks', { title: 'x', tags })).status).toBe(400);
  });
});
