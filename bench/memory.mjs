// Suite 4 — memory: server RSS after loading 100k tasks and serving a few reads of each kind.
import { readFileSync } from 'node:fs';
import { openStore } from '../dist/store/index.js';
import { createProjects, loadTasks } from './data.mjs';
import { json, printTable, round, startBindery, tempDir } from './lib.mjs';

/**
 * Resident memory in MB: all of it, and the anonymous part (heap, SQLite's page cache). The rest is the
 * database file mapped by `mmap_size` (docs/postgres.md): page cache the kernel shares and can reclaim.
 */
function rss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field) => round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024, 1);
  return { total: mb('VmRSS'), anon: mb('RssAnon'), file: mb('RssFile') };
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
      const idle = rss(server.proc.pid);
      const page = await json(server.url, '/api/tasks?limit=500');
      for (const task of page.items) await json(server.url, `/api/tasks/${task.id}`);
      for (let i = 0; i < 20; i++) {
        await json(server.url, `/api/tasks?limit=50&status=todo&cursor=${page.next_cursor}`);
        await json(server.url, '/api/search', {
          method: 'POST',
          body: { query: 'service request', limit: 10 },
        });
        await json(server.url, '/api/dashboard/stats');
      }
      const busy = rss(server.proc.pid);
      const row = (when, m) => ({
        when,
        'rss (MB)': m.total,
        'anonymous (MB)': m.anon,
        'mapped file (MB)': m.file,
      });
      printTable(`Server memory with ${count} tasks (goal ≤ 150 MB)`, [
        row('after start', idle),
        row('after reads', busy),
      ]);
      return { tasks: count, after_start: idle, after_reads: busy };
    } finally {
      await server.stop();
    }
  } finally {
    ws.remove();
  }
}
