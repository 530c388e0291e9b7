// Suite — next: next_task's latency as the task count grows (with a share of tasks waiting on
// dependencies), and claims by 8 concurrent agents through a real server: claims/s and double claims.
import { BINDERY_VERSION } from '../dist/contract/index.js';
import { RoleRegistry } from '../dist/service/roles.js';
import { createService } from '../dist/service/service.js';
import { openStore } from '../dist/store/index.js';
import { createProjects, loadTasks } from './data.mjs';
import { json, printTable, round, startBindery, tempDir, timeCalls } from './lib.mjs';

/** A third of the tasks depend on another task, about a fifth are subtasks: many todo tasks wait. */
const DEPENDENCY_SHARE = 0.3;
const AGENTS = 8;

export async function nextSuite({ quick }) {
  // BINDERY_BENCH_MAX_TASKS leaves out the larger sizes (seeding 1M tasks into PostgreSQL takes long).
  const max = Number(process.env.BINDERY_BENCH_MAX_TASKS ?? Number.POSITIVE_INFINITY);
  const sizes = (quick ? [1_000, 10_000] : [1_000, 100_000, 1_000_000]).filter((size) => size <= max);
  const samples = quick ? 100 : 300;
  const latency = await latencyBySize(sizes, samples);
  const claims = await concurrentClaims(quick ? 300 : 2_000);
  return { sizes, latency, claims };
}

async function latencyBySize(sizes, samples) {
  const ws = tempDir();
  const store = await openStore({ workspace: ws.dir, databaseUrl: process.env.BINDERY_DATABASE_URL });
  const api = createService({
    store,
    roles: new RoleRegistry(),
    version: BINDERY_VERSION,
    workspace: ws.dir,
  });
  try {
    const projectIds = await createProjects(store, 10);
    const rows = [];
    let loaded = 0;
    for (const size of sizes) {
      await loadTasks(store, {
        count: size - loaded,
        projectIds,
        offset: loaded,
        dependencyShare: DEPENDENCY_SHARE,
      });
      loaded = size;
      // Fresh planner statistics and visibility on PostgreSQL, as autovacuum would give a store in use.
      await store.compactAfterImport();
      const any = await api.next_task({});
      const todo = (await api.list_tasks({ status: 'todo', limit: 1 })).total;
      const next = await timeCalls(samples, () => api.next_task({}));
      const byProject = await timeCalls(samples, (i) =>
        api.next_task({ project_id: projectIds[i % projectIds.length] }),
      );
      const byTag = await timeCalls(samples, () => api.next_task({ tag: 'docs' }));
      // The floor on this machine at this moment: reading one task by id.
      const get = await timeCalls(samples, () => api.get_task({ task_id: any.task.id }));
      rows.push({
        tasks: size,
        todo,
        ready: any.ready_count + (any.task ? 1 : 0),
        next_p50: next.p50_ms,
        next_p95: next.p95_ms,
        project_p50: byProject.p50_ms,
        project_p95: byProject.p95_ms,
        tag_p50: byTag.p50_ms,
        tag_p95: byTag.p95_ms,
        get_task_p50: get.p50_ms,
      });
      console.log(`  next_task at ${size} tasks: p50 ${next.p50_ms} ms`);
    }
    printTable(
      'next_task latency (ms, in-process service; ready = todo tasks with nothing unfinished; get_task by id for scale)',
      rows,
    );
    return rows;
  } finally {
    await store.close();
    ws.remove();
  }
}

/** 8 agents call next_task(claim) over HTTP until nothing is ready; every task must be claimed once. */
async function concurrentClaims(count) {
  const ws = tempDir();
  const databaseUrl = process.env.BINDERY_DATABASE_URL;
  const store = await openStore({ workspace: ws.dir, databaseUrl });
  const api = createService({
    store,
    roles: new RoleRegistry(),
    version: BINDERY_VERSION,
    workspace: ws.dir,
  });
  const [project] = await createProjects(store, 1);
  for (let i = 0; i < count; i++) await api.create_task({ title: `job ${i}`, project_id: project });
  await store.close();
  const server = await startBindery(ws.dir, databaseUrl ? { BINDERY_DATABASE_URL: databaseUrl } : {});
  try {
    const claimed = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: AGENTS }, async () => {
        for (;;) {
          const answer = await json(server.url, '/api/tasks/next', {
            method: 'POST',
            body: { project_id: project, claim: true, role_name: 'implementer' },
          });
          if (!answer.task) return;
          claimed.push(answer.task.id);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const row = {
      agents: AGENTS,
      tasks: count,
      claimed: claimed.length,
      double_claims: claimed.length - new Set(claimed).size,
      claims_per_s: round(claimed.length / seconds, 1),
    };
    printTable('next_task(claim) by 8 concurrent agents over HTTP', [row]);
    return row;
  } finally {
    await server.stop();
    ws.remove();
  }
}
