/**
 * Named tokens through a real `bindery serve` process (docs/access.md): when a credential is required,
 * scopes on REST, JSON-RPC and MCP, the answers for bad, revoked and expired secrets, the actor bound to the
 * token, and the CLI beside the running server.
 */

import { readFileSync } from 'node:fs';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlitePath } from '../../src/runtime/workspace.js';
import { databaseUrlFor, dropWorkspaceSchema } from '../helpers/postgres.js';
import { runCli, type ServeProcess, spawnServe } from '../helpers/process.js';
import { type HttpHelper, httpHelper } from '../helpers/server.js';
import { tempWorkspace } from '../helpers/workspace.js';

const ws = tempWorkspace();
let server: ServeProcess;
let http: HttpHelper;
let databaseUrl: string | undefined;
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

beforeAll(async () => {
  databaseUrl = await databaseUrlFor(ws.dir);
  server = await spawnServe(ws.dir);
  http = httpHelper(server.url);
});
afterAll(async () => {
  server.proc.kill('SIGTERM');
  await server.exited;
  ws.remove();
  await dropWorkspaceSchema(ws.dir);
});

/** The CLI on the same store as the server. */
const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(['token', ...args], { BINDERY_WORKSPACE: ws.dir, BINDERY_DATABASE_URL: databaseUrl ?? '', ...env });

let admin: string;
let reader: string;
let writer: string;

describe('named tokens on one server', () => {
  it('leaves a loopback server open until the first token exists, then requires a credential everywhere but /health', async () => {
    expect((await http('GET', '/api/tasks')).status).toBe(200);
    const made = await http('POST', '/api/tokens', { name: 'boss', scope: 'admin' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({
      name: 'boss',
      scope: 'admin',
      project_ids: null,
      created_by: 'anonymous',
    });
    expect(made.body.token).toMatch(/^bdy_[A-Za-z0-9_-]{43}$/);
    admin = made.body.token;
    const refused = await http('GET', '/api/tasks');
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('unauthorized');
    expect((await http('GET', '/health')).status).toBe(200);
    expect((await http('GET', '/api/tasks', undefined, bearer(admin))).status).toBe(200);
    // The list never shows a secret.
    const list = await http('GET', '/api/tokens', undefined, bearer(admin));
    expect(list.body.items.map((t: { name: string }) => t.name)).toEqual(['boss']);
    expect(JSON.stringify(list.body)).not.toContain(admin);
    expect(JSON.stringify(list.body)).not.toMatch(/hash/);
  });

  it('makes tokens from the CLI while the server runs; the server accepts them at once', async () => {
    const read = await cli(['create', 'reviewer', '--scope', 'read']);
    expect(read.code, read.stderr).toBe(0);
    reader = read.stdout.trim();
    expect(reader).toMatch(/^bdy_/);
    expect(read.stdout).toBe(`${reader}\n`);
    const write = await cli(['create', 'ci-bot', '--scope', 'write', '--expires-in', '30d', '--json']);
    expect(write.code, write.stderr).toBe(0);
    const json = JSON.parse(write.stdout);
    expect(json).toMatchObject({ name: 'ci-bot', scope: 'write', created_by: expect.stringMatching(/^cli/) });
    expect(Date.parse(json.expires_at) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    writer = json.token;
    expect((await http('GET', '/api/tasks', undefined, bearer(reader))).status).toBe(200);
    const listed = await cli(['list']);
    expect(listed.stdout).toMatch(/^boss\tadmin/m);
    expect(listed.stdout).toMatch(/^reviewer\tread/m);
    expect(listed.stdout).not.toContain('bdy_');
  });

  it('refuses a read token every write on REST, JSON-RPC and MCP with 403 permission_denied naming the scope', async () => {
    const rest = await http('POST', '/api/tasks', { title: 'nope' }, bearer(reader));
    expect(rest.status).toBe(403);
    expect(rest.body).toMatchObject({ code: 'permission_denied', details: { needed_scope: 'write' } });
    const rpc = await http(
      'POST',
      '/rpc',
      { jsonrpc: '2.0', id: 1, method: 'create_task', params: { title: 'nope' } },
      bearer(reader),
    );
    expect(rpc.body.error.data).toMatchObject({
      code: 'permission_denied',
      details: { needed_scope: 'write' },
    });
    const tokens = await http('GET', '/api/tokens', undefined, bearer(writer));
    expect(tokens.body).toMatchObject({ code: 'permission_denied', details: { needed_scope: 'admin' } });
    const metrics = await http('GET', '/api/pool/metrics', undefined, bearer(writer));
    expect(metrics.status).toBe(403);
  });

  it('lists only read tools to an MCP client with a read token, and refuses a write tool called anyway', async () => {
    const client = new Client({ name: 'reviewer-agent', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: bearer(reader) },
      }),
    );
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('get_task');
      expect(names).not.toContain('create_task');
      const result = await client.callTool({
        name: 'create_task',
        arguments: { task_input: { title: 'x' } },
      });
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({
        error_code: 'permission_denied',
        context: { needed_scope: 'write' },
      });
    } finally {
      await client.close();
    }
  });

  it('records the token name as the actor and keeps a forged X-Bindery-Actor only as client', async () => {
    const made = await http(
      'POST',
      '/api/tasks',
      { title: 'by the bot' },
      {
        ...bearer(writer),
        'x-bindery-actor': 'boss',
      },
    );
    expect(made.status).toBe(201);
    expect(made.body.updated_by).toBe('ci-bot');
    const history = await http('GET', `/api/tasks/${made.body.id}/history`, undefined, bearer(writer));
    expect(history.body.items[0]).toMatchObject({ actor: 'ci-bot', client: 'boss' });
  });

  it('answers a wrong, malformed and revoked secret alike, and an expired one saying so', async () => {
    const wrong = await http('GET', '/api/tasks', undefined, bearer(`bdy_${'A'.repeat(43)}`));
    const malformed = await http('GET', '/api/tasks', undefined, bearer('not-a-token'));
    const temp = await http('POST', '/api/tokens', { name: 'temp', scope: 'read' }, bearer(admin));
    expect((await http('DELETE', '/api/tokens/temp', undefined, bearer(admin))).status).toBe(200);
    const revoked = await http('GET', '/api/tasks', undefined, bearer(temp.body.token));
    for (const answer of [wrong, malformed, revoked]) {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual(wrong.body);
    }
    const soon = new Date(Date.now() + 1500).toISOString();
    const short = await http(
      'POST',
      '/api/tokens',
      { name: 'short', scope: 'read', expires_at: soon },
      bearer(admin),
    );
    expect((await http('GET', '/api/tasks', undefined, bearer(short.body.token))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    const expired = await http('GET', '/api/tasks', undefined, bearer(short.body.token));
    expect(expired.status).toBe(401);
    expect(expired.body.error).toMatch(/expired/);
    expect(server.stderr()).not.toContain(admin);
    expect(server.stderr()).not.toContain(temp.body.token);
  });

  it('refuses bad token input by field, a taken name with 409, an unknown project with 404', async () => {
    const bad = await http('POST', '/api/tokens', { name: 'Bad Name', scope: 'root' }, bearer(admin));
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['name', 'scope']);
    expect((await http('POST', '/api/tokens', { name: 'boss', scope: 'read' }, bearer(admin))).status).toBe(
      409,
    );
    const project = '00000000-0000-4000-8000-000000000000';
    const missing = await http(
      'POST',
      '/api/tokens',
      { name: 'x', scope: 'read', project_ids: [project] },
      bearer(admin),
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain(project);
    const duration = await cli(['create', 'y', '--scope', 'read', '--expires-in', 'soon']);
    expect(duration.code).toBe(1);
    expect(duration.stderr.trim().split('\n')).toHaveLength(1);
    expect(duration.stderr).toContain('--expires-in');
  });

  it('refuses revoking the last admin token without BINDERY_TOKEN, unless --force at the machine', async () => {
    const locked = await http('DELETE', '/api/tokens/boss', undefined, bearer(admin));
    expect(locked.status).toBe(409);
    expect(locked.body.error).toContain('would lock everyone out');
    const cliLocked = await cli(['revoke', 'boss']);
    expect(cliLocked.code).toBe(1);
    expect(cliLocked.stderr).toContain('would lock everyone out');
    const forced = await cli(['revoke', 'boss', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    // Within a second every server refuses it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await http('GET', '/api/tasks', undefined, bearer(admin))).status).toBe(401);
  });

  it('keeps no secret in the store: only its SHA-256', async () => {
    if (databaseUrl) return; // the PostgreSQL case is checked on the table in access-multi-server.test.ts
    const file = readFileSync(sqlitePath(ws.dir)).toString('latin1');
    const wal = (() => {
      try {
        return readFileSync(`${sqlitePath(ws.dir)}-wal`).toString('latin1');
      } catch {
        return '';
      }
    })();
    for (const secret of [admin, reader, writer]) {
      expect(file + wal).not.toContain(secret);
      expect(file + wal).not.toContain(secret.slice(4));
    }
  });
});

describe('a non-loopback bind', () => {
  it('starts without BINDERY_TOKEN once a named admin token exists, and then needs a credential', async () => {
    const exposed = tempWorkspace();
    const url = await databaseUrlFor(exposed.dir);
    const env = { BINDERY_WORKSPACE: exposed.dir, BINDERY_DATABASE_URL: url ?? '' };
    const refused = await runCli(['serve'], { ...env, BINDERY_HOST: '0.0.0.0', BINDERY_PORT: '0' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('named admin token');
    const made = await runCli(['token', 'create', 'ops', '--scope', 'admin'], env);
    expect(made.code, made.stderr).toBe(0);
    const started = await spawnServe(exposed.dir, { BINDERY_HOST: '0.0.0.0' });
    try {
      const call = httpHelper(started.url);
      expect((await call('GET', '/api/tasks')).status).toBe(401);
      expect((await call('GET', '/api/tasks', undefined, bearer(made.stdout.trim()))).status).toBe(200);
    } finally {
      started.proc.kill('SIGTERM');
      await started.exited;
      exposed.remove();
      await dropWorkspaceSchema(exposed.dir);
    }
  });
});
