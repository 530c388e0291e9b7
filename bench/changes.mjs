// Live changes: cross-process staleness (two `bindery mcp` on one backend, and on two servers sharing one
// PostgreSQL schema), feed delivery latency with 100 event-stream subscribers under creates, server RSS with
// 1,000 idle event streams, and create throughput with the change log vs without it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import Database from 'better-sqlite3';
import pg from 'pg';
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

/**
 * B (attached to `urlB`) writes, A (attached to `urlA`) polls get_task until it sees the write: how long
 * another process's write stays unseen.
 */
async function staleness(urlA, urlB, writes) {
  const env = (url) => ({ BINDERY_URL: url, BINDERY_CACHE_TTL: '3600' });
  const [a, b] = await Promise.all([mcp('agent-a', env(urlA)), mcp('agent-b', env(urlB))]);
  try {
    const task = await tool(b, 'create_task', { task_input: { title: 'v0' } });
    await tool(a, 'get_task', { task_id: task.id });
    while (!(await tool(a, 'health_check')).client.feed?.caught_up)
      await new Promise((r) => setTimeout(r, 20));
    const times = [];
    // Where the time goes: the read that finally sees the write (a cache miss, a round trip to the
    // server), and how often A's feed had already dropped the entry when the first read came.
    const lastReads = [];
    let firstReadSaw = 0;
    for (let i = 1; i <= writes; i++) {
      await tool(b, 'update_task', { task_id: task.id, task_update: { title: `v${i}` } });
      const start = performance.now();
      for (let reads = 1; ; reads++) {
        const readStart = performance.now();
        const seen = (await tool(a, 'get_task', { task_id: task.id })).title === `v${i}`;
        if (!seen) continue;
        lastReads.push(performance.now() - readStart);
        if (reads === 1) firstReadSaw++;
        break;
      }
      times.push(performance.now() - start);
    }
    return {
      ...stats(times),
      'seeing read p50/p99 ms': `${stats(lastReads).p50_ms} / ${stats(lastReads).p99_ms}`,
      'first read saw it': `${Math.round((firstReadSaw / writes) * 100)} %`,
    };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** Opens `count` event streams and records, per change event, commit-to-arrival time. */
function subscribers(url, count) {
  const latencies = [];
  let ready = 0;
  const failures = [];
  const requests = [];
  let closed = false;
  for (let i = 0; i < count; i++) {
    const req = request(`${url}/api/events`, { agent: false }, (res) => {
      if (res.statusCode !== 200) failures.push(`answered ${res.statusCode}`);
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk) => {
        buffer += chunk;
        const events = buffer.split('\n\n');
        buffer = events.pop();
        const now = Date.now();
        for (const event of events) {
          if (event.includes('event: ready')) ready++;
          const data = /^data: (.*)$/m.exec(event);
          if (event.includes('event: change') && data)
            latencies.push(now - Date.parse(JSON.parse(data[1]).at));
        }
      });
      res.on('error', () => {});
    });
    req.on('error', (error) => {
      if (!closed) failures.push(error.message);
    });
    req.end();
    requests.push(req);
  }
  return {
    latencies,
    /** Resolves once every stream has sent `ready` (it is open and caught up). */
    ready: async () => {
      const deadline = Date.now() + 120_000;
      while (ready < count) {
        if (failures.length > 0 || Date.now() > deadline)
          throw new Error(`${ready}/${count} event streams ready; failures: ${failures.slice(0, 3)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => {
      closed = true;
      for (const r of requests) r.destroy();
    },
  };
}

/**
 * The PostgreSQL database the bench was given (BINDERY_DATABASE_URL), else the test database, with a fresh
 * schema of this run as search_path; `drop()` removes it.
 */
async function freshSchema() {
  const base =
    process.env.BINDERY_DATABASE_URL ||
    process.env.BINDERY_TEST_DATABASE_URL ||
    'postgres://postgres@127.0.0.1:5432/test';
  const name = `bench_changes_${randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${name}`);
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE SCHEMA ${name}`);
  return { url: url.toString(), drop: () => admin(`DROP SCHEMA IF EXISTS ${name} CASCADE`) };
}

/** Two servers on one PostgreSQL schema, A's `bindery mcp` on one, B's on the other: the NOTIFY path. */
async function crossServerStaleness(writes) {
  const schema = await freshSchema();
  const workspaces = [tempDir(), tempDir()];
  const servers = [];
  try {
    // One after the other: the first creates and migrates the schema.
    for (const ws of workspaces)
      servers.push(await startBindery(ws.dir, { BINDERY_DATABASE_URL: schema.url }));
    return await staleness(servers[0].url, servers[1].url, writes);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    for (const ws of workspaces) ws.remove();
    await schema.drop();
  }
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

/** Server RSS before and after `count` idle event streams are open and caught up. */
async function idleStreams(count) {
  const ws = tempDir();
  // Opening them costs the loop more than this loaded machine leaves it: no load shedding (503) here, where
  // only memory is measured.
  const server = await startBindery(ws.dir, { BINDERY_MAX_EVENT_LOOP_DELAY_MS: '0' });
  try {
    // One stream opened and closed first, so the figure is what the streams cost, not loading their code.
    const warm = subscribers(server.url, 1);
    await warm.ready();
    warm.close();
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssMb(server.proc.pid);
    const waves = [];
    for (let opened = 0; opened < count; opened += 100) {
      const wave = subscribers(server.url, Math.min(100, count - opened));
      waves.push(wave);
      await wave.ready();
    }
    await new Promise((r) => setTimeout(r, 1000));
    const after = rssMb(server.proc.pid);
    for (const wave of waves) wave.close();
    return {
      streams: count,
      'RSS before MB': round(before, 1),
      'RSS with streams MB': round(after, 1),
      'increase MB': round(after - before, 1),
      'KB per stream': round(((after - before) * 1024) / count, 1),
    };
  } finally {
    await server.stop();
    ws.remove();
  }
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
    const writes = quick ? 50 : 500;
    const stale = await staleness(server.url, server.url, writes);
    const crossServer = await crossServerStaleness(writes);
    const feed = subscribers(server.url, 100);
    await feed.ready();
    const underFeed = await createRate(server.url, duration);
    await new Promise((r) => setTimeout(r, 500));
    feed.close();
    const delivery = stats(feed.latencies);
    const withLog = await createRate(server.url, duration);
    const without = await withoutLog(duration);
    const rows = [
      { measure: 'cross-process staleness (2 × bindery mcp, SQLite)', ...stale },
      { measure: 'cross-server staleness (2 servers on one PostgreSQL)', ...crossServer },
      {
        measure: `feed delivery, 100 SSE subscribers, ${underFeed.rps} creates/s`,
        ...delivery,
        'seeing read p50/p99 ms': '',
        'first read saw it': '',
      },
    ];
    printTable('Live changes: latency', rows);
    const throughput = [
      { store: 'with change log', creates_per_s: withLog.rps, p99_ms: withLog.p99_ms },
      { store: 'without (triggers dropped)', creates_per_s: without.rps, p99_ms: without.p99_ms },
      { store: 'ratio', creates_per_s: round(withLog.rps / without.rps, 2), p99_ms: '' },
    ];
    printTable('Live changes: create throughput (HTTP, SQLite)', throughput);
    const idle = await idleStreams(1000);
    printTable('Live changes: server memory with idle event streams (SQLite)', [idle]);
    return { latency: rows, throughput, idle_streams: idle };
  } finally {
    await server.stop();
    ws.remove();
  }
}
