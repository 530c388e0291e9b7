// Suite 1 — HTTP vs floor: our routes against a bare Fastify server answering the same body size.
import { readFileSync } from 'node:fs';
import { json, load, printTable, round, startBindery, startProcess, tempDir } from './lib.mjs';

/** CPU seconds a process has used (Linux /proc; clock ticks of 10 ms), or NaN elsewhere. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

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
      // The read-by-id goal is a ratio to the floor: on a shared machine whose load moves by the second, the
      // two are measured in alternating rounds and the ratio taken over the sums, so both see the same load.
      const rounds = quick ? 3 : 5;
      // Each server's CPU time per request is measured too: it depends far less on the machine's load.
      const alternated = { ours: 0, bare: 0, perRound: [], oursCpu: 0, bareCpu: 0, oursN: 0, bareN: 0 };
      const measured = async (pid, url, options) => {
        const before = cpuSeconds(pid);
        const result = await load(url, { duration: 1, ...options });
        return { ...result, cpu: cpuSeconds(pid) - before };
      };
      // One unmeasured second each first: JIT warm-up, and the serializer compiled on the first answer.
      await load(bareUrl, { duration: 1, path: '/api/tasks/x' });
      await load(bindery.url, { duration: 1, path: '/', pick: rotate });
      for (let i = 0; i < rounds; i++) {
        const floor = await measured(bare.proc.pid, bareUrl, { path: '/api/tasks/x' });
        const ours = await measured(bindery.proc.pid, bindery.url, { path: '/', pick: rotate });
        alternated.bare += floor.rps;
        alternated.ours += ours.rps;
        alternated.bareCpu += floor.cpu;
        alternated.oursCpu += ours.cpu;
        alternated.bareN += floor.requests;
        alternated.oursN += ours.requests;
        alternated.perRound.push(round(ours.rps / floor.rps, 2));
      }
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
      const getById = {
        rounds,
        'ours req/s': round(alternated.ours / rounds, 0),
        'bare req/s': round(alternated.bare / rounds, 0),
        'ours/bare': round(alternated.ours / alternated.bare, 2),
        'per round': alternated.perRound.join(' '),
        'ours CPU µs/req': round((alternated.oursCpu / alternated.oursN) * 1e6, 0),
        'bare CPU µs/req': round((alternated.bareCpu / alternated.bareN) * 1e6, 0),
      };
      printTable('GET /api/tasks/:id vs bare, alternating 1 s rounds', [getById]);
      return { duration_s: duration, body_bytes: sample.length, rows, get_by_id_alternating: getById };
    } finally {
      await bare.stop();
    }
  } finally {
    await bindery.stop();
    ws.remove();
  }
}
