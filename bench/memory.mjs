// Suite 4 — memory: server RSS after loading 100k tasks and serving a few reads of each kind.
import { readFileSync } from 'node:fs';
import { openStore } from '../dist/store/index.js';
import { createProjects, loadTasks } from './data.mjs';
import { json, printTable, round, startBindery, tempDir, timeCalls } from './lib.mjs';

/**
 * Resident memory in MB: all of it, and the anonymous part (heap, SQLite's page cache). The rest is the
 * database file mapped by `mmap_size` (docs/postgres.md): page cache the kernel shares and can reclaim.
 */
function rss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field) => round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024, 1);
  return { total: mb('VmRSS'), anon: mb('RssAnon'), file: mb('RssFile') };
}

/** V8's heap (MB) as the server's own /metrics reports it: the part of the anonymous memory that is JavaScript. */
async function heap(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const mb = (name) => round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20, 1);
  return { total: mb('nodejs_heap_size_total_bytes'), used: mb('nodejs_heap_size_used_bytes') };
}

/** How long the server idles after the reads before its memory is read (a quick run only proves the suite runs). */
const SETTLE_MS = 15_000;
const QUICK_SETTLE_MS = 2_000;

/** SQLite memory settings compared in one run: the earlier fixed pragmas first, then smaller ones. */
const VARIANTS = [
  { name: 'cache 64 MB, mmap 256 MB', env: { BINDERY_SQLITE_CACHE_MB: '64', BINDERY_SQLITE_MMAP_MB: '256' } },
  { name: 'cache 64 MB, no mmap', env: { BINDERY_SQLITE_CACHE_MB: '64', BINDERY_SQLITE_MMAP_MB: '0' } },
  { name: 'cache 32 MB, no mmap', env: { BINDERY_SQLITE_CACHE_MB: '32', BINDERY_SQLITE_MMAP_MB: '0' } },
  { name: 'cache 16 MB, no mmap', env: { BINDERY_SQLITE_CACHE_MB: '16', BINDERY_SQLITE_MMAP_MB: '0' } },
];

/** A reader's day on a loaded server: every task of a page by id, list pages, searches, the dashboard. */
async function readMix(url) {
  const page = await json(url, '/api/tasks?limit=500');
  const get = await timeCalls(page.items.length, (i) => json(url, `/api/tasks/${page.items[i].id}`));
  const list = await timeCalls(40, () =>
    json(url, `/api/tasks?limit=50&status=todo&cursor=${page.next_cursor}`),
  );
  const search = await timeCalls(40, (i) =>
    json(url, '/api/search', {
      method: 'POST',
      body: { query: i % 2 ? 'service request' : 'timeout', limit: 10 },
    }),
  );
  const dashboard = await timeCalls(20, () => json(url, '/api/dashboard/stats'));
  return { get, list, search, dashboard };
}

export async function memorySuite({ quick }) {
  const count = quick ? 10_000 : 100_000;
  const variants = quick ? VARIANTS.slice(0, 2) : VARIANTS;
  const settleMs = quick ? QUICK_SETTLE_MS : SETTLE_MS;
  const ws = tempDir();
  try {
    const store = await openStore({ workspace: ws.dir, databaseUrl: process.env.BINDERY_DATABASE_URL });
    await loadTasks(store, { count, projectIds: await createProjects(store, 100) });
    await store.close();
    const rows = [];
    const measured = {};
    // A first pass warms the kernel's file cache, so no variant pays for the disk reads of another.
    for (const variant of [variants[0], ...variants]) {
      const server = await startBindery(ws.dir, variant.env);
      try {
        const idle = rss(server.proc.pid);
        const reads = await readMix(server.url);
        // V8 gives garbage back some seconds after the allocation rate drops (its memory reducer): what the
        // server holds at rest after the reads, not where its last collection happened to leave it.
        await new Promise((resolve) => setTimeout(resolve, settleMs));
        const busy = rss(server.proc.pid);
        measured[variant.name] = {
          after_start: idle,
          after_reads: busy,
          heap: await heap(server.url),
          reads,
        };
      } finally {
        await server.stop();
      }
    }
    for (const variant of variants) {
      const m = measured[variant.name];
      rows.push({
        sqlite: variant.name,
        'rss after start': m.after_start.total,
        [`rss ${settleMs / 1000} s after reads`]: m.after_reads.total,
        anonymous: m.after_reads.anon,
        'mapped file': m.after_reads.file,
        'JS heap': m.heap.total,
        'get p50 ms': m.reads.get.p50_ms,
        'list p50 ms': m.reads.list.p50_ms,
        'search p50 ms': m.reads.search.p50_ms,
        'dashboard p50 ms': m.reads.dashboard.p50_ms,
      });
    }
    printTable(
      `Server memory (MB) and read latency with ${count} tasks, by SQLite memory setting (goal ≤ 150 MB)`,
      rows,
    );
    return { tasks: count, rows };
  } finally {
    ws.remove();
  }
}
