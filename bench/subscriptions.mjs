// Suite — MCP subscriptions: how long a subscribed client waits to hear of another process's change to the
// resource while a third process writes 100 changes/s, on stdio (2025-11-25 resources/subscribe and
// 2026-07-28 subscriptions/listen) and on /mcp (2026-07-28); and the server's memory for 10,000 resource
// subscriptions (10 listen streams of 1,000 URIs each) on /mcp.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI, json, percentile, printTable, round, startBindery, tempDir } from './lib.mjs';

const WRITER = `
const [url, ids] = [process.argv[1], process.argv[2].split(',')];
let i = 0;
setInterval(() => {
  const id = ids[i++ % ids.length];
  fetch(url + '/api/tasks/' + id, { method: 'PATCH', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ description: 'load ' + i }) }).catch(() => {});
}, 10);
`;

async function client(via, era, url) {
  const mcp = new Client(
    { name: `bench-${via}-${era}`, version: '1.0.0' },
    era === '2026-07-28' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  const transport =
    via === 'stdio'
      ? new StdioClientTransport({
          command: process.execPath,
          args: [CLI, 'mcp'],
          env: {
            ...process.env,
            BINDERY_URL: url,
            MCP_AUTO_LAUNCH_BACKEND: 'false',
            BINDERY_LOG_LEVEL: 'warn',
          },
          stderr: 'ignore',
        })
      : new StreamableHTTPClientTransport(new URL(`${url}/mcp`));
  await mcp.connect(transport);
  return mcp;
}

async function subscribe(mcp, era, uris) {
  if (era === '2025-11-25') {
    for (const uri of uris) await mcp.subscribeResource({ uri });
    return async () => {};
  }
  const subscription = await mcp.listen({ resourceSubscriptions: uris });
  return () => subscription.close();
}

/** Latency of `probes` writes to one watched task, each made by this process over REST. */
async function latency(url, via, era, probes) {
  const probe = (await json(url, '/api/tasks', { method: 'POST', body: { title: `probe ${via} ${era}` } }))
    .id;
  const uri = `bindery://tasks/${probe}`;
  const mcp = await client(via, era, url);
  let waiting;
  mcp.setNotificationHandler('notifications/resources/updated', (n) => {
    if (n.params.uri === uri) waiting?.(performance.now());
  });
  const close = await subscribe(mcp, era, [uri]);
  await mcp.readResource({ uri }); // stdio: the first read starts the feed
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const samples = [];
  for (let i = 0; i < probes; i++) {
    const arrived = new Promise((resolve) => (waiting = resolve));
    const sent = performance.now();
    await json(url, `/api/tasks/${probe}`, { method: 'PATCH', body: { description: `probe ${i}` } });
    const at = await Promise.race([arrived, new Promise((resolve) => setTimeout(() => resolve(null), 5000))]);
    samples.push(at === null ? 5000 : at - sent);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await close();
  await mcp.close();
  samples.sort((a, b) => a - b);
  return {
    transport: via,
    era,
    probes,
    p50_ms: round(percentile(samples, 50), 1),
    p99_ms: round(percentile(samples, 99), 1),
    'within 1 s': samples.filter((ms) => ms < 1000).length,
  };
}

function rssKb(pid) {
  return import('node:fs').then(({ readFileSync }) => {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line.split(/\s+/)[1]);
  });
}

async function memory(url, pid) {
  // A listen stream keeps the URIs it names whether or not they exist yet: 1,000 distinct task URIs.
  const ids = Array.from({ length: 1000 }, () => randomUUID());
  const uris = ids.map((id) => `bindery://tasks/${id}`);
  global.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = await rssKb(pid);
  const clients = [];
  for (let i = 0; i < 10; i++) {
    const mcp = await client('http', '2026-07-28', url);
    clients.push({ mcp, close: await subscribe(mcp, '2026-07-28', uris) });
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await rssKb(pid);
  for (const { mcp, close } of clients) {
    await close();
    await mcp.close();
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const closed = await rssKb(pid);
  return {
    subscriptions: 10_000,
    'server RSS before MB': round(before / 1024, 1),
    'with 10 streams × 1,000 URIs MB': round(after / 1024, 1),
    'after closing MB': round(closed / 1024, 1),
    'bytes per subscription': Math.round(((after - before) * 1024) / 10_000),
  };
}

export async function subscriptionsSuite({ quick }) {
  const ws = tempDir();
  const backend = await startBindery(ws.dir);
  const load = [];
  for (let i = 0; i < 20; i++) {
    load.push((await json(backend.url, '/api/tasks', { method: 'POST', body: { title: `load ${i}` } })).id);
  }
  const writer = spawn(process.execPath, ['-e', WRITER, backend.url, load.join(',')], { stdio: 'ignore' });
  try {
    const probes = quick ? 20 : 100;
    const rows = [];
    for (const [via, era] of [
      ['stdio', '2025-11-25'],
      ['stdio', '2026-07-28'],
      ['http', '2026-07-28'],
    ]) {
      rows.push(await latency(backend.url, via, era, probes));
    }
    printTable('MCP resource update latency, another process writing 100 changes/s', rows);
    writer.kill();
    const mem = await memory(backend.url, backend.proc.pid);
    printTable('/mcp memory for 10,000 resource subscriptions', [mem]);
    return { latency: rows, memory: mem };
  } finally {
    writer.kill();
    await backend.stop();
    ws.remove();
  }
}
