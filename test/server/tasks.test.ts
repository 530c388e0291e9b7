import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
  t.remove();
});

describe('tasks over REST', () => {
  it('creates a task with aliases resolved and reads it back', async () => {
    const created = await t.http('POST', '/api/tasks', { title: 'Write docs', status: 'in_progress', priority: 'medium' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'Write docs', status: 'doing', priority: 'normal', version: 1 });
    const read = await t.http('GET', `/api/tasks/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });
});
