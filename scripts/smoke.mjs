// Smoke test of an installed Bindery, run with the Node under test (scripts/packed-smoke.sh):
//   node scripts/smoke.mjs <app dir with bindery-mcp installed> [<unpacked MCP Bundle dir>]
// Starts `bindery mcp` as an AI client would (it launches its own backend on this Node, so better-sqlite3
// must load), checks the handshake, writes a task and finds it by search; then the same through the
// command in the bundle's manifest. Exits non-zero on the first failure.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const [app, bundle] = process.argv.slice(2);
if (!app) throw new Error('usage: node scripts/smoke.mjs <app dir> [<bundle dir>]');
const installed = JSON.parse(readFileSync(join(app, 'node_modules/bindery-mcp/package.json'), 'utf8'));
const workspace = mkdtempSync(join(tmpdir(), 'bindery-smoke-'));

function fail(message) {
  throw new Error(`smoke test on Node ${process.version}: ${message}`);
}

async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) fail(`${name} failed: ${result.content?.[0]?.text}`);
  return result.structuredContent;
}

async function session(label, command, args, env) {
  const transport = new StdioClientTransport({
    command,
    args,
    cwd: app,
    env: { ...process.env, BINDERY_IDLE_GRACE_S: '0', BINDERY_LOG_LEVEL: 'warn', ...env },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'bindery-smoke', version: installed.version });
  await client.connect(transport);
  try {
    const server = client.getServerVersion();
    if (server?.name !== 'bindery' || server.version !== installed.version)
      fail(`${label}: handshake answered ${JSON.stringify(server)}`);
    const title = `smoke ${label} ${process.version}`;
    const task = await call(client, 'create_task', { task_input: { title } });
    const found = await call(client, 'search_entities', { search_input: { query: `smoke ${label}` } });
    if (!found.results.some((hit) => hit.id === task.id)) fail(`${label}: search did not find "${title}"`);
    console.log(`node ${process.version} ${label}: handshake, create_task and search_entities answered`);
  } finally {
    await client.close();
  }
}

/** The managed backend stops once no MCP process uses it; wait for that before removing its data. */
async function backendGone() {
  const serverFile = join(workspace, '.vespera', 'server.json');
  for (let i = 0; i < 150 && existsSync(serverFile); i++) await sleep(100);
  if (existsSync(serverFile)) fail('the managed backend did not stop after its last client left');
}

try {
  await session('package', join(app, 'node_modules', '.bin', 'bindery'), ['mcp'], {
    BINDERY_WORKSPACE: workspace,
  });
  if (bundle) {
    const { mcp_config: config } = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')).server;
    // The host's substitutions in mcp_config, written as the manifest spells them.
    const placeholders = { __dirname: bundle, 'user_config.workspace': workspace };
    const fill = (text) => text.replace(/\$\{([\w.]+)\}/g, (whole, key) => placeholders[key] ?? whole);
    const env = Object.fromEntries(Object.entries(config.env ?? {}).map(([k, v]) => [k, fill(v)]));
    const command = config.command === 'node' ? process.execPath : config.command;
    await session('bundle', command, config.args.map(fill), env);
  }
  await backendGone();
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
