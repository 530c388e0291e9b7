// Suite 1 — HTTP vs floor: our routes against a bare Fastify server answering the same body size.
import { json, load, printTable, round, startBindery, startProcess, tempDir } from './lib.mjs';

export async function httpSuite({ quick }) {
  const duration = quick ? 2 : 10;
  const ws = tempDir();
  const bindery = await startBindery(ws.dir, process.env.BINDERY_DATABASE_URL ? {} : {});
  try {
    const project = await json(bindery.url, '/api/projects', { method: 'POST', body: { name: 'bench' } });
    const ids = [];
    for (let i = 0; i < 200; i++) {
      const task = await json(bindery.url, '/api/tasks', {
        method: 'POST',
        body: {
          title: `Benchmark task ${i} about indexing and search`,
          description: 'A realistic description of the work to be done, with a few sentences of context.',
          tags: ['bench', i % 2 ? 'odd' : 'even'],
          project_id: project.id,
        },
      });
      ids.push(task.id);
    }
    const sample = JSON.stringify(await json(bindery.url, `/api/tasks/${ids[0]}`));
    let next = 0;
    const rotate = () => ({ path: `/api/tasks/${ids[next++ % ids.length]}` });
    const rpcBody = () => ({
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'get_task',
        params: { task_id: ids[next++ % ids.length] },
      }),
    });

    const bare = await startProcess(['bench/bare-server.mjs'], {
      env: { BARE_BODY_BYTES: String(sample.length) },
      ready: /bare listening (http:\S+)/,
    });
    const bareUrl = bare.match[1];
    try {
      const floorGet = await load(bareUrl, { duration, path: '/api/tasks/x' });
      const floorPost = await load(bareUrl, {
        duration,
        method: 'POST',
        path: '/api/tasks',
        body: { title: 'x' },
      });
      const cases = [
        ['GET /api/tasks/:id', { path: '/', pick: rotate }, floorGet],
        [
          'POST /api/tasks',
          { method: 'POST', path: '/api/tasks', body: { title: 'Load test task', tags: ['load'] } },
          floorPost,
        ],
        ['GET /api/tasks?limit=50', { path: `/api/tasks?limit=50&project_id=${project.id}` }, floorGet],
        [
          'POST /api/search',
          { method: 'POST', path: '/api/search', body: { query: 'indexing search', limit: 10 } },
          floorPost,
        ],
        ['POST /rpc get_task', { method: 'POST', path: '/rpc', body: {}, pick: rpcBody }, floorPost],
      ];
      const rows = [];
      for (const [name, options, floor] of cases) {
        const ours = await load(bindery.url, { duration, ...options });
        rows.push({
          route: name,
          'req/s': ours.rps,
          p50_ms: ours.p50_ms,
          p99_ms: ours.p99_ms,
          errors: ours.errors,
          'bare req/s': floor.rps,
          'ours/bare': round(ours.rps / floor.rps, 2),
        });
      }
      printTable(
        `HTTP vs bare Fastify (${duration}s per run, 10 connections, body ${sample.length} B)`,
        rows,
      );
      return { duration_s: duration, body_bytes: sample.length, rows };
    } finally {
      await bare.stop();
    }
  } finally {
    await bindery.stop();
    ws.remove();
  }
}
