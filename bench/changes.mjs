// Live changes: cross-process staleness (two `bindery mcp` on one backend), feed delivery latency with 100
// event-stream subscribers under creates, and create throughput with the change log vs without it.
import { request } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import Database from 'better-sqlite3';
import { CLI, load, percentile, printTable, round, startBindery, tempDir } from './lib.mjs';

async function mcp(name, env) {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp'],
      env: { ...process.env, BINDERY_LOG_LEVEL: 'warn', ...env },
    }),
  );
  return client;
}

async function tool(client, name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.structuredContent)}`);
  return result.structuredContent;
}

const stats = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50_ms: round(percentile(sorted, 50), 1),
    p99_ms: round(percentile(sorted, 99), 1),
  };
};

/** B writes, A polls get_task until it sees the write: how long another process's write stays unseen. */
async function staleness(url, writes) {
  const env = { BINDERY_URL: url, BINDERY_CACHE_TTL: '3600' };
  const [a, b] = await Promise.all([mcp('agent-a', env), mcp('agent-b', env)]);
  try {
    const task = await tool(b, 'create_task', { task_input: { title: 'v0' } });
    await tool(a, 'get_task', { task_id: task.id });
    while (!(await tool(a, 'health_check')).client.feed?.caught_up)
      await new Promise((r) => setTimeout(r, 20));
    const times = [];
    for (let i = 1; i <= writes; i++) {
      await tool(b, 'update_task', { task_id: task.id, task_update: { title: `v${i}` } });
      const start = performance.now();
      while ((await tool(a, 'get_task', { task_id: task.id })).title !== `v${i}`);
      times.push(performance.now() - start);
    }
    return stats(times);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** Opens `count` event streams and records, per change event, commit-to-arrival time. */
function subscribers(url, count) {
  const latencies = [];
  const requests = [];
  for (let i = 0; i < count; i++) {
    const req = request(`${url}/api/events`, { agent: false }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk) => {
        buffer += chunk;
        const events = buffer.split('\n\n');
        buffer = events.pop();
        const now = Date.now();
        for (const event of events) {
          const data = /^data: (.*)$/m.exec(event);
          if (event.includes('event: change') && data)
            latencies.push(now - Date.parse(JSON.parse(data[1]).at));
        }
      });
      res.on('error', () => {});
    });
    req.on('error', () => {});
    req.end();
    requests.push(req);
  }
  return {
    latencies,
    close: () => {
      for (const r of requests) r.destroy();
    },
  };
}

async function createRate(url, duration) {
  return load(url, {
    duration,
    connections: 10,
    method: 'POST',
    path: '/api/tasks',
    body: { title: 'bench' },
  });
}

/** The same server on a workspace whose change-log triggers were dropped: the last release's write path. */
async function withoutLog(duration) {
  const ws = tempDir();
  let server = await startBindery(ws.dir);
  await server.stop();
  const db = new Database(join(ws.dir, '.vespera', 'tasks.db'));
  for (const { name } of db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_change_%'")
    .all())
    db.exec(`DROP TRIGGER ${name}`);
  db.close();
  server = await startBindery(ws.dir);
  try {
    return await createRate(server.url, duration);
  } finally {
    await server.stop();
    ws.remove();
  }
}

export async function changesSuite({ quick }) {
  const duration = quick ? 3 : 8;
  const ws = tempDir();
  const server = await startBindery(ws.dir);
  try {
    const stale = await staleness(server.url, quick ? 50 : 500);
    const feed = subscribers(server.url, 100);
    await new Promise((r) => setTimeout(r, 1000));
    const underFeed = await createRate(server.url, duration);
    await new Promise((r) => setTimeout(r, 500));
    feed.close();
    const delivery = stats(feed.latencies);
    const withLog = await createRate(server.url, duration);
    const without = await withoutLog(duration);
    const rows = [
      { measure: 'cross-process staleness (2 × bindery mcp, SQLite)', ...stale },
      { measure: `feed delivery, 100 SSE subscribers, ${underFeed.rps} creates/s`, ...delivery },
    ];
    printTable('Live changes: latency', rows);
    const throughput = [
      { store: 'with change log', creates_per_s: withLog.rps, p99_ms: withLog.p99_ms },
      { store: 'without (triggers dropped)', creates_per_s: without.rps, p99_ms: without.p99_ms },
      { store: 'ratio', creates_per_s: round(withLog.rps / without.rps, 2), p99_ms: '' },
    ];
    printTable('Live changes: create throughput (HTTP, SQLite)', throughput);
    return { latency: rows, throughput };
  } finally {
    await server.stop();
    ws.remove();
  }
}
