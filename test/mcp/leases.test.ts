/**
 * Leases through real `bindery mcp` processes: a process that holds a claim heartbeats it while it lives,
 * so a live agent keeps its task past its lease and a killed one (kill -9: no goodbye) loses it once the
 * lease ends, recorded as an expiry by `system`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ok, stdioClient } from './helpers.js';

const LEASE_S = 30;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
}, 60_000);

afterAll(async () => {
  await server.stop();
  await server.remove();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it(
  'a killed agent’s task is free again within lease + 5 s; a live agent keeps its task for 3 leases',
  async () => {
    const project = (await server.http('POST', '/api/projects', { name: 'lease team' })).body.id;
    const create = async (title: string, priority: string) =>
      (await server.http('POST', '/api/tasks', { title, priority, project_id: project })).body.id as string;
    const doomedTask = await create('held by the agent that dies', 'urgent');
    const keptTask = await create('held by the agent that lives', 'high');

    const env = { BINDERY_URL: server.url };
    const doomed = await stdioClient(env, 'doomed');
    const live = await stdioClient(env, 'live');
    try {
      const claim = { project_id: project, claim: true, role_name: 'implementer', lease_s: LEASE_S };
      const first = await ok(doomed.client, 'next_task', claim);
      expect(first.task.id).toBe(doomedTask);
      const second = await ok(live.client, 'next_task', claim);
      expect(second.task.id).toBe(keptTask);

      const killedAt = Date.now();
      process.kill(doomed.pid()!, 'SIGKILL');

      // Nothing is ready while the dead agent's lease lasts; then its task is, with no force needed.
      let freedAfter = Number.POSITIVE_INFINITY;
      while (Date.now() - killedAt < (LEASE_S + 10) * 1000) {
        const next = await server.http('GET', `/api/tasks/next?project_id=${project}`);
        if (next.body.task?.id === doomedTask) {
          freedAfter = Date.now() - killedAt;
          break;
        }
        await sleep(500);
      }
      expect(freedAfter).toBeGreaterThan((LEASE_S - 5) * 1000);
      expect(freedAfter).toBeLessThanOrEqual((LEASE_S + 5) * 1000);
      const expired = await server.http('GET', `/api/executions?task_id=${doomedTask}`);
      expect(expired.body.items[0]).toMatchObject({ id: first.execution.execution_id, status: 'expired' });
      const history = await server.http('GET', `/api/tasks/${doomedTask}/history`);
      expect(history.body.items[0]).toMatchObject({ actor: 'system', from: 'doing', to: 'todo' });

      // The live agent's claim outlasts three leases.
      await sleep(Math.max(0, 3 * LEASE_S * 1000 - (Date.now() - killedAt)));
      const kept = await server.http('GET', `/api/executions?task_id=${keptTask}`);
      expect(kept.body.items[0]).toMatchObject({ id: second.execution.execution_id, status: 'running' });
      expect((await server.http('GET', `/api/tasks/${keptTask}`)).body.status).toBe('doing');
      // Completing through the agent ends its heartbeats with the execution.
      await ok(live.client, 'complete_task', { task_id: keptTask });
      const done = await server.http('GET', `/api/executions?task_id=${keptTask}`);
      expect(done.body.items[0].status).toBe('completed');
    } finally {
      await live.client.close();
      await doomed.client.close().catch(() => {});
    }
  },
  (3 * LEASE_S + 60) * 1000,
);
