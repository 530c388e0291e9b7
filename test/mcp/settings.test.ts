// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` in plain strings is hostile input under test.
/**
 * The environment settings of the MCP layer (docs/mcp.md, docs/security.md, README configuration table), on the real processes: MCP_PRODUCTION,
 * MCP_INCLUDE_METRICS, BINDERY_INJECTION_POLICY, and what happens when the backend is not there.
 */
import { createServer } from 'node:net';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type ServeProcess, spawnServe } from '../helpers/process.js';
import { httpHelper } from '../helpers/server.js';
import { tempWorkspace } from '../helpers/workspace.js';
import { fails, httpClient, ok, stdioClient } from './helpers.js';

const MISSING = '00000000-0000-4000-8000-000000000000';
const clients: Client[] = [];
const ws = tempWorkspace();
let serve: ServeProcess;

async function mcp(env: Record<string, string>): Promise<Client> {
  const { client } = await stdioClient({ BINDERY_URL: serve.url, ...env });
  clients.push(client);
  return client;
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  serve = await spawnServe(ws.dir);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  serve?.proc.kill('SIGTERM');
  await serve?.exited;
  ws.remove();
});

describe('MCP_PRODUCTION', () => {
  it('replaces the message with a generic sentence and keeps code, operation, suggestions and field details', async () => {
    const client = await mcp({ MCP_PRODUCTION: 'true' });
    const missing = await fails(client, 'get_task', { task_id: MISSING }, 'not_found');
    expect(missing.error).toBe('The requested item does not exist.');
    expect(missing.suggestions).toEqual(['list_tasks shows the ids that exist.']);
    expect(missing.context).toBeUndefined();
    const invalid = await fails(client, 'create_task', { task_input: { title: '' } }, 'validation_error');
    expect(invalid.error).toBe('The input is not valid.');
    expect(invalid.context.details[0].field).toBe('task_input.title');
  });

  it('development messages are sanitised', async () => {
    const client = await mcp({});
    const invalid = await fails(
      client,
      'update_task',
      { task_id: MISSING, task_update: '{"title": "x" password=hunter2 /etc/passwd' },
      'validation_error',
    );
    expect(invalid.error).not.toContain('hunter2');
    expect(invalid.error).not.toContain('/etc/passwd');
  });
});

describe('MCP_INCLUDE_METRICS', () => {
  it('adds {execution_time_ms, operation} to results and errors', async () => {
    const client = await mcp({ MCP_INCLUDE_METRICS: 'true' });
    const created = await ok(client, 'create_task', { task_input: { title: 'timed' } });
    expect(created.metrics).toEqual({ execution_time_ms: expect.any(Number), operation: 'create_task' });
    const failed = await fails(client, 'get_task', { task_id: MISSING }, 'not_found');
    expect(failed.metrics.operation).toBe('get_task');
    expect((await ok(client, 'get_task', { task_id: created.id })).metrics.operation).toBe('get_task');
  });
});

describe('BINDERY_INJECTION_POLICY', () => {
  const hostile = '<script>alert(1)</script>Hello ${user} {{name}} <img onerror=x>';

  it('strip: the stripped text is what gets stored', async () => {
    const client = await mcp({ BINDERY_INJECTION_POLICY: 'strip' });
    const created = await ok(client, 'create_task', {
      task_input: JSON.stringify({ title: hostile, labels: { note: 'javascript:alert(1)' } }),
    });
    expect(created.title).toBe('alert(1)Hello   <img x>');
    const stored = (await httpHelper(serve.url)('GET', `/api/tasks/${created.id}`)).body;
    expect(stored.title).toBe(created.title);
    expect(stored.labels.note).toBe('alert(1)');
    const { security } = (await ok(client, 'health_check')).mcp_server;
    expect(security).toMatchObject({ injection_policy: 'strip' });
    expect(security.strings_stripped).toBeGreaterThanOrEqual(2);
  });

  it('reject: refuses the input, names the field and writes nothing', async () => {
    const client = await mcp({ BINDERY_INJECTION_POLICY: 'reject' });
    const before = (await ok(client, 'list_tasks', { limit: 1 })).total;
    const refused = await fails(
      client,
      'create_task',
      { task_input: { title: 'fine', subtasks: [{ title: hostile }] } },
      'validation_error',
    );
    expect(refused.context.details[0].field).toBe('task_input.subtasks.0.title');
    expect(refused.context.details[0].reason).toMatch(/refused pattern/);
    expect((await ok(client, 'list_tasks', { limit: 1 })).total).toBe(before);
    expect((await ok(client, 'health_check')).mcp_server.security.rejections).toBe(1);
    expect((await ok(client, 'create_task', { task_input: { title: 'plain words' } })).title).toBe(
      'plain words',
    );
  });

  it('an unknown policy stops start-up naming the variable', async () => {
    const run = await runCli(['mcp'], { BINDERY_URL: serve.url, BINDERY_INJECTION_POLICY: 'block' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('BINDERY_INJECTION_POLICY');
    expect(run.stdout).toBe('');
  });
});

describe('backend down', () => {
  it('health_check answers unhealthy quickly and tools fail with connection_error', async () => {
    const client = await mcp({ BINDERY_URL: `http://127.0.0.1:${await deadPort()}` });
    const started = Date.now();
    const health = await ok(client, 'health_check');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(health.status).toBe('unhealthy');
    expect(health.backend).toMatchObject({ reachable: false, status: null });
    expect(health.backend.error).toBeTypeOf('string');
    const failed = await fails(client, 'list_tasks', {}, 'connection_error');
    expect(failed.suggestions[0]).toMatch(/health_check|bindery status/);
  });
});

describe('Streamable HTTP settings', () => {
  let production: ServeProcess;
  const prodWs = tempWorkspace();

  beforeAll(async () => {
    production = await spawnServe(prodWs.dir, { MCP_PRODUCTION: 'true', MCP_INCLUDE_METRICS: '1' });
  });

  afterAll(async () => {
    production?.proc.kill('SIGTERM');
    await production?.exited;
    prodWs.remove();
  });

  it('bindery serve applies MCP_PRODUCTION and MCP_INCLUDE_METRICS to /mcp', async () => {
    const client = await httpClient(production.url);
    clients.push(client);
    const missing = await fails(client, 'get_task', { task_id: MISSING }, 'not_found');
    expect(missing.error).toBe('The requested item does not exist.');
    expect(missing.metrics.operation).toBe('get_task');
  });
});
