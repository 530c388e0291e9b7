// Suite 5 — the client's cache on a realistic agent mix: mostly reads of recently touched tasks, writes
// interleaved. Every read is checked against what this process last wrote (a stale read is counted).
import { BinderyClient } from '../dist/client/index.js';
import { printTable, round, startBindery, tempDir } from './lib.mjs';

/** Deterministic choices, so runs compare. */
function rng(seed) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

export async function cacheSuite({ quick }) {
  const operations = quick ? 3000 : 20000;
  const ws = tempDir();
  const backend = await startBindery(ws.dir);
  const client = new BinderyClient({ url: backend.url });
  const random = rng(42);
  try {
    const project = await client.create_project({ name: 'cache bench' });
    /** Last version this process wrote, per task: a read must never show an older one. */
    const written = new Map();
    const recent = [];
    const touch = (task) => {
      written.set(task.id, task.version);
      const at = recent.indexOf(task.id);
      if (at !== -1) recent.splice(at, 1);
      recent.unshift(task.id);
      if (recent.length > 8) recent.pop();
    };
    for (let i = 0; i < 50; i++)
      touch(await client.create_task({ title: `Seed ${i}`, project_id: project.id }));
    const all = [...written.keys()];
    let stale = 0;
    const mix = { get_recent: 0, get_other: 0, list: 0, dashboard: 0, update: 0, create: 0 };
    const started = performance.now();
    for (let i = 0; i < operations; i++) {
      const r = random();
      if (r < 0.8) {
        const id =
          r < 0.75 ? recent[Math.floor(random() * recent.length)] : all[Math.floor(random() * all.length)];
        mix[r < 0.75 ? 'get_recent' : 'get_other']++;
        const task = await client.get_task({ task_id: id });
        if (task.version < written.get(id)) stale++;
      } else if (r < 0.86) {
        mix.list++;
        await client.list_tasks({ project_id: project.id, limit: 20 });
      } else if (r < 0.88) {
        mix.dashboard++;
        await client.get_task_dashboard({});
      } else if (r < 0.98) {
        mix.update++;
        const id = recent[Math.floor(random() * recent.length)];
        touch(await client.update_task({ task_id: id, description: `step ${i}` }));
      } else {
        mix.create++;
        const task = await client.create_task({ title: `Created ${i}`, project_id: project.id });
        touch(task);
        all.push(task.id);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const { cache } = client.stats();
    const row = {
      operations,
      'ops/s': Math.round(operations / seconds),
      'hit rate %': round(cache.hit_rate * 100, 1),
      hits: cache.hits,
      misses: cache.misses,
      'stale reads': stale,
      goal: '≥ 80 %, 0 stale',
    };
    printTable('Client cache on an agent mix (80 % reads, 75 % of all calls on the 8 most recent tasks)', [
      row,
    ]);
    return { mix, ...row };
  } finally {
    await client.close();
    await backend.stop();
    ws.remove();
  }
}
