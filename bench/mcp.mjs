// Suite 2 — MCP end to end: a real SDK client over stdio → `bindery mcp` → backend, against the echo
// floor and @modelcontextprotocol/server-memory, in one run.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI, printTable, ROOT, round, startBindery, tempDir, timeCalls } from './lib.mjs';

const require = createRequire(import.meta.url);
const MEMORY_SERVER = require.resolve('@modelcontextprotocol/server-memory/dist/index.js');

async function connect(args, env = {}) {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: { ...process.env, BINDERY_LOG_LEVEL: 'warn', ...env },
    stderr: 'ignore',
  });
  await client.connect(transport);
  return { client };
}

async function tool(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError)
    throw new Error(`${name} failed: ${JSON.stringify(result.structuredContent ?? result.content)}`);
  return result.structuredContent;
}

/** Calls/s with `inFlight` calls outstanding for `count` calls; returns the results too. */
async function throughput(count, inFlight, fn) {
  let next = 0;
  const results = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await fn(i);
      }
    }),
  );
  return { callsPerS: Math.round(count / ((performance.now() - started) / 1000)), results };
}

/**
 * `bindery mcp` with no BINDERY_URL in a fresh workspace: spawn to first tool answer, the manager launching
 * the backend (cold), then a second process attaching to it (warm); and the tools/list size.
 */
async function startup() {
  const ws = tempDir();
  const env = { BINDERY_WORKSPACE: ws.dir, BINDERY_IDLE_GRACE_S: '1' };
  try {
    let started = performance.now();
    const cold = await connect([CLI, 'mcp'], env);
    await tool(cold.client, 'list_roles', {});
    const coldMs = performance.now() - started;
    started = performance.now();
    const warm = await connect([CLI, 'mcp'], env);
    await tool(warm.client, 'list_roles', {});
    const warmMs = performance.now() - started;
    const toolsListBytes = Buffer.byteLength(JSON.stringify(await cold.client.listTools()));
    await warm.client.close();
    await cold.client.close();
    const row = {
      'cold start ms': round(coldMs, 0),
      'warm attach ms': round(warmMs, 0),
      'tools/list bytes': toolsListBytes,
    };
    printTable('bindery mcp start-up (spawn → first tool answer) and tools/list size', [row]);
    // The managed backend stops itself once no client holds a lease (grace 1 s here).
    await new Promise((resolve) => setTimeout(resolve, 3000));
    return row;
  } finally {
    ws.remove();
  }
}

export async function mcpSuite({ quick }) {
  const start = await startup();
  const n = quick ? 200 : 2000;
  const ws = tempDir();
  const memoryWs = tempDir();
  const backend = await startBindery(ws.dir);
  const env = { BINDERY_URL: backend.url, MCP_AUTO_LAUNCH_BACKEND: 'false' };
  const cached = await connect([CLI, 'mcp'], env);
  const uncached = await connect([CLI, 'mcp'], { ...env, BINDERY_CACHE_TTL: '0' });
  const echo = await connect([join(ROOT, 'bench/echo-server.mjs')]);
  const memory = await connect([MEMORY_SERVER], { MEMORY_FILE_PATH: join(memoryWs.dir, 'memory.jsonl') });
  try {
    const seed = await tool(cached.client, 'create_task', {
      task_input: { title: 'Benchmark seed task', tags: ['bench'] },
    });
    const ids = [];
    for (let i = 0; i < 100; i++) {
      ids.push(
        (await tool(cached.client, 'create_task', { task_input: { title: `MCP bench ${i} search target` } }))
          .id,
      );
    }
    const rows = [];
    const row = (operation, latency, floor) =>
      rows.push({
        operation,
        p50_ms: latency.p50_ms,
        p99_ms: latency.p99_ms,
        'vs echo p50': round(latency.p50_ms / floor, 2),
      });
    const echoLatency = await timeCalls(n, () =>
      echo.client.callTool({ name: 'echo', arguments: { text: 'ping' } }),
    );
    const floor = echoLatency.p50_ms;
    row('echo (floor)', echoLatency, floor);
    row(
      'get_task cached',
      await timeCalls(n, () => tool(cached.client, 'get_task', { task_id: seed.id })),
      floor,
    );
    row(
      'get_task uncached',
      await timeCalls(n, (i) => tool(uncached.client, 'get_task', { task_id: ids[i % 100] })),
      floor,
    );
    row(
      'create_task',
      await timeCalls(n, (i) => tool(uncached.client, 'create_task', { task_input: { title: `c${i}` } })),
      floor,
    );
    row('list_tasks', await timeCalls(n, () => tool(uncached.client, 'list_tasks', { limit: 20 })), floor);
    row(
      'search_entities',
      await timeCalls(n, () =>
        tool(uncached.client, 'search_entities', { search_input: { query: 'search target' } }),
      ),
      floor,
    );
    printTable(`MCP over stdio, sequential (${n} calls each)`, rows);

    // 8 in flight: creates through MCP, then check every acknowledged create exists.
    const ours = await throughput(n, 8, (i) =>
      tool(uncached.client, 'create_task', { task_input: { title: `inflight ${i}` } }).then((t) => t.id),
    );
    let present = 0;
    for (const id of ours.results) {
      const result = await uncached.client.callTool({ name: 'get_task', arguments: { task_id: id } });
      if (!result.isError) present++;
    }

    // server-memory at 1k and 10k stored entities, then 1-entity creates.
    const peer = [];
    let stored = 0;
    for (const target of quick ? [1000] : [1000, 10_000]) {
      while (stored < target) {
        const batch = Array.from({ length: 500 }, (_, i) => ({
          name: `preload-${stored + i}`,
          entityType: 'task',
          observations: ['preloaded'],
        }));
        await memory.client.callTool({ name: 'create_entities', arguments: { entities: batch } });
        stored += batch.length;
      }
      const seq = await throughput(Math.min(n, 500), 1, (i) =>
        memory.client.callTool({
          name: 'create_entities',
          arguments: { entities: [{ name: `seq-${target}-${i}`, entityType: 'task', observations: ['x'] }] },
        }),
      );
      peer.push({ stored: target, 'server-memory creates/s': seq.callsPerS });
    }
    const memInflight = await throughput(Math.min(n, 500), 8, (i) =>
      memory.client
        .callTool({
          name: 'create_entities',
          arguments: { entities: [{ name: `par-${i}`, entityType: 'task', observations: ['x'] }] },
        })
        .then((r) => !r.isError),
    );
    const graph = await memory.client.callTool({ name: 'read_graph', arguments: {} });
    const names = new Set(
      (graph.structuredContent?.entities ?? JSON.parse(graph.content[0].text).entities).map((e) => e.name),
    );
    const memPresent = Array.from({ length: Math.min(n, 500) }, (_, i) => `par-${i}`).filter((x) =>
      names.has(x),
    ).length;

    const oursSeq = await throughput(Math.min(n, 500), 1, (i) =>
      tool(uncached.client, 'create_task', { task_input: { title: `seq ${i}` } }),
    );
    const summary = [
      {
        server: 'bindery',
        'creates/s sequential': oursSeq.callsPerS,
        'creates/s 8 in flight': ours.callsPerS,
        acknowledged: ours.results.length,
        present,
      },
      {
        server: 'server-memory',
        'creates/s sequential': peer.at(-1)['server-memory creates/s'],
        'creates/s 8 in flight': memInflight.callsPerS,
        acknowledged: memInflight.results.filter(Boolean).length,
        present: memPresent,
      },
    ];
    printTable(
      'Creates: Bindery vs server-memory (after 8 in flight, every acknowledged create looked up)',
      summary,
    );
    printTable('server-memory 1-entity creates by stored size', peer);
    return {
      calls: n,
      sequential: rows,
      creates: summary,
      server_memory: peer,
      startup: start,
    };
  } finally {
    for (const c of [cached, uncached, echo, memory]) await c.client.close().catch(() => {});
    await backend.stop();
    ws.remove();
    memoryWs.remove();
  }
}
