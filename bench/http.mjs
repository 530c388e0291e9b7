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

/**
 * Two servers under the same load in alternating 1 s rounds (after one unmeasured second each: JIT warm-up,
 * serializers compiled on the first answer), so both see the same machine; the ratio is taken over the sums.
 * Each server's CPU time per request is measured too: it depends far less on the machine's load.
 */
async function alternate(floor, ours, rounds) {
  const measured = async ({ pid, url, options }) => {
    const before = cpuSeconds(pid);
    const result = await load(url, { duration: 1, ...options });
    return { ...result, cpu: cpuSeconds(pid) - before };
  };
  await load(floor.url, { duration: 1, ...floor.options });
  await load(ours.url, { duration: 1, ...ours.options });
  const sums = { rounds, ours: 0, floor: 0, perRound: [], oursCpu: 0, floorCpu: 0, oursN: 0, floorN: 0 };
  for (let i = 0; i < rounds; i++) {
    const a = await measured(floor);
    const b = await measured(ours);
    sums.floor += a.rps;
    sums.ours += b.rps;
    sums.floorCpu += a.cpu;
    sums.oursCpu += b.cpu;
    sums.floorN += a.requests;
    sums.oursN += b.requests;
    sums.perRound.push(round(b.rps / a.rps, 2));
  }
  return sums;
}

function roundsRow(sums, floorName) {
  return {
    rounds: sums.rounds,
    'ours req/s': round(sums.ours / sums.rounds, 0),
    [`${floorName} req/s`]: round(sums.floor / sums.rounds, 0),
    [`ours/${floorName}`]: round(sums.ours / sums.floor, 2),
    'per round': sums.perRound.join(' '),
    'ours CPU µs/req': round((sums.oursCpu / sums.oursN) * 1e6, 0),
    [`${floorName} CPU µs/req`]: round((sums.floorCpu / sums.floorN) * 1e6, 0),
  };
}

/**
 * On PostgreSQL, the create goal is a ratio to SQLite's create in the same run: a SQLite server in its own
 * workspace takes POST /api/tasks in rounds alternating with this one's.
 */
async function createAgainstSqlite(bindery, rounds) {
  const ws = tempDir();
  const sqlite = await startBindery(ws.dir, { BINDERY_DATABASE_URL: '' });
  try {
    const create = { method: 'POST', path: '/api/tasks', body: { title: 'Load test task', tags: ['load'] } };
    const sums = await alternate(
      { pid: sqlite.proc.pid, url: sqlite.url, options: create },
      { pid: bindery.proc.pid, url: bindery.url, options: create },
      rounds,
    );
    const row = roundsRow(sums, 'sqlite');
    printTable('POST /api/tasks on PostgreSQL vs SQLite, alternating 1 s rounds', [row]);
    return row;
  } finally {
    await sqlite.stop();
    ws.remove();
  }
}

export async function httpSuite({ quick }) {
  const duration = quick ? 2 : 10;
  const ws = tempDir();
  const bindery = await startBindery(ws.dir);
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
      const byIdRounds = await alternate(
        { pid: bare.proc.pid, url: bareUrl, options: { path: '/api/tasks/x' } },
        { pid: bindery.proc.pid, url: bindery.url, options: { path: '/', pick: rotate } },
        rounds,
      );
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
      const getById = roundsRow(byIdRounds, 'bare');
      printTable('GET /api/tasks/:id vs bare, alternating 1 s rounds', [getById]);
      const createVsSqlite = process.env.BINDERY_DATABASE_URL
        ? await createAgainstSqlite(bindery, rounds)
        : undefined;
      return {
        duration_s: duration,
        body_bytes: sample.length,
        rows,
        get_by_id_alternating: getById,
        ...(createVsSqlite ? { create_vs_sqlite_alternating: createVsSqlite } : {}),
      };
    } finally {
      await bare.stop();
    }
  } finally {
    await bindery.stop();
    ws.remove();
  }
}
