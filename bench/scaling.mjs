// Suite 3 — scaling: the same reads at 1k, 10k, 100k and 1M tasks, through the in-process service.
import { join } from 'node:path';
import { BINDERY_VERSION } from '../dist/contract/index.js';
import { RoleRegistry } from '../dist/service/roles.js';
import { createService } from '../dist/service/service.js';
import { openStore } from '../dist/store/index.js';
import { COMMON_TERM, createProjects, loadTasks, RARE_TERM } from './data.mjs';
import { printTable, round, tempDir, timeCalls } from './lib.mjs';

export async function scalingSuite({ quick }) {
  const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000];
  const samples = quick ? 100 : 300;
  const ws = tempDir();
  const store = await openStore({ workspace: ws.dir, databaseUrl: process.env.BINDERY_DATABASE_URL });
  const api = createService({
    store,
    roles: new RoleRegistry(),
    version: BINDERY_VERSION,
    workspace: ws.dir,
  });
  try {
    // 10 projects: a page of one project's todo tasks is full (20 rows) at every size, so the list
    // measures the same work at 1k as at 1M.
    const projectIds = await createProjects(store, 10);
    const rows = [];
    let loaded = 0;
    for (const size of sizes) {
      const started = performance.now();
      await loadTasks(store, { count: size - loaded, projectIds, offset: loaded });
      const loadSeconds = (performance.now() - started) / 1000;
      loaded = size;
      // A live SQLite store merges its search index's segments once idle for a few seconds (docs/search.md,
      // "Keeping the index current"): the reads are measured as on a server that has had that quiet moment.
      const tidyStarted = performance.now();
      await store.whenSearchIndexTidy?.();
      const tidySeconds = (performance.now() - tidyStarted) / 1000;
      const page = await api.list_tasks({ limit: 500 });
      const ids = page.items.map((t) => t.id);
      const measures = {
        get: await timeCalls(samples, (i) => api.get_task({ task_id: ids[i % ids.length] })),
        list: await timeCalls(samples, (i) =>
          api.list_tasks({ project_id: projectIds[i % projectIds.length], status: 'todo', limit: 20 }),
        ),
        search_rare: await timeCalls(samples, () => api.search({ query: RARE_TERM, limit: 10 })),
        search_common: await timeCalls(samples, () => api.search({ query: COMMON_TERM, limit: 10 })),
        dashboard: await timeCalls(Math.min(samples, 100), () => api.get_task_dashboard({})),
      };
      rows.push({
        tasks: size,
        load_s: round(loadSeconds, 1),
        tidy_s: round(tidySeconds, 1),
        ...flatten(measures),
      });
      console.log(
        `  scaled to ${size} tasks (load ${round(loadSeconds, 1)} s, tidy ${round(tidySeconds, 1)} s)`,
      );
    }
    printTable('Scaling (ms, in-process service over the store)', rows);
    const first = rows[0];
    const last = rows.at(-1);
    const growth = ['get', 'list', 'search_rare', 'search_common'].map((k) => ({
      operation: k,
      [`p50 at ${first.tasks}`]: first[`${k}_p50`],
      [`p50 at ${last.tasks}`]: last[`${k}_p50`],
      growth: round(last[`${k}_p50`] / Math.max(first[`${k}_p50`], 0.001), 2),
    }));
    printTable('Growth of p50 (goal ≤ 1.5×; dashboard p95 goal ≤ 50 ms at 1M)', growth);
    return { sizes, rows, growth, file: join(ws.dir, '.vespera/tasks.db') };
  } finally {
    await store.close();
    ws.remove();
  }
}

function flatten(measures) {
  const out = {};
  for (const [name, m] of Object.entries(measures)) {
    out[`${name}_p50`] = m.p50_ms;
    out[`${name}_p95`] = m.p95_ms;
  }
  return out;
}
