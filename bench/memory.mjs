// Suite 4 — memory: server RSS after loading 100k tasks and serving a few reads of each kind.
import { readFileSync } from 'node:fs';
import { openStore } from '../dist/store/index.js';
import { createProjects, loadTasks } from './data.mjs';
import { json, printTable, round, startBindery, tempDir } from './lib.mjs';

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return round(kb / 1024, 1);
}

export async function memorySuite({ quick }) {
  const count = quick ? 10_000 : 100_000;
  const ws = tempDir();
  try {
    const store = await openStore({ workspace: ws.dir, databaseUrl: process.env.BINDERY_DATABASE_URL });
    await loadTasks(store, { count, projectIds: await createProjects(store, 100) });
    await store.close();
    const server = await startBindery(ws.dir);
    try {
      const idle = rssMb(server.proc.pid);
      const page = await json(server.url, '/api/tasks?limit=500');
      for (const task of page.items) await json(server.url, `/api/tasks/${task.id}`);
      for (let i = 0; i < 20; i++) {
        await json(
          server.url,
          `/api/tasks?limit=50&status=todo&cursor=${page.next_cursor ?? ''}`.replace(/&cursor=$/, ''),
        );
        await json(server.url, '/api/search', {
          method: 'POST',
          body: { query: 'service request', limit: 10 },
        });
        await json(server.url, '/api/dashboard/stats');
      }
      const busy = rssMb(server.proc.pid);
      const rows = [
        { tasks: count, 'rss after start (MB)': idle, 'rss after reads (MB)': busy, 'goal (MB)': 150 },
      ];
      printTable('Server memory', rows);
      return { tasks: count, rss_start_mb: idle, rss_after_reads_mb: busy };
    } finally {
      await server.stop();
    }
  } finally {
    ws.remove();
  }
}
