/**
 * Named tokens across two `bindery serve` processes on one PostgreSQL schema: a token made on one works on
 * the other at once, a revocation on one holds on the other within a second, and the database holds no
 * secret. Also `bindery mcp` over stdio sending a read token.
 */
import { describe, expect, it } from 'vitest';
import { withAdmin } from '../helpers/pg-admin.js';
import { useServerPair } from '../helpers/server-pair.js';
import { stdioClient } from '../mcp/helpers.js';

const ROOT = 'multi-server-root';
const pair = useServerPair('SIGTERM', { BINDERY_TOKEN: ROOT });
const root = { authorization: `Bearer ${ROOT}` };
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

describe('named tokens on two servers of one PostgreSQL', () => {
  it('accepts on one a token made on the other, and refuses it there within 1 s of its revocation', async () => {
    const { a, b } = pair;
    for (let round = 0; round < 3; round++) {
      const made = await a('POST', '/api/tokens', { name: `roaming-${round}`, scope: 'read' }, root);
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      expect((await b('GET', '/api/tasks', undefined, bearer(made.body.token))).status).toBe(200);
      expect((await a('DELETE', `/api/tokens/roaming-${round}`, undefined, root)).status).toBe(200);
      const revokedAt = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - revokedAt < 5000) {
        status = (await b('GET', '/api/tasks', undefined, bearer(made.body.token))).status;
      }
      expect(status).toBe(401);
      // Generous for a loaded machine; bench/access.mjs measures the real delay.
      expect(Date.now() - revokedAt).toBeLessThan(1500);
    }
  });

  it('keeps only the SHA-256 of each secret in the database', async () => {
    const { a, schema } = pair;
    const made = await a('POST', '/api/tokens', { name: 'stored', scope: 'write' }, root);
    const rows = await withAdmin(
      async (c) => (await c.query(`SELECT * FROM ${schema.name}.tokens WHERE name = 'stored'`)).rows,
    );
    const text = JSON.stringify(rows);
    expect(text).not.toContain(made.body.token);
    expect(text).not.toContain(made.body.token.slice(4));
    expect(rows[0].hash).toMatch(/^[0-9a-f]{64}$/);
    const changes = await withAdmin(
      async (c) => (await c.query(`SELECT * FROM ${schema.name}.changes WHERE entity = 'token'`)).rows,
    );
    expect(JSON.stringify(changes)).not.toContain(rows[0].hash);
  });

  it('bindery mcp sends its token: a read token lists read tools only and a write tool is refused by scope', async () => {
    const made = await pair.a('POST', '/api/tokens', { name: 'mcp-reader', scope: 'read' }, root);
    const { client } = await stdioClient({
      BINDERY_URL: pair.servers[1].url,
      BINDERY_TOKEN: made.body.token,
    });
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('list_tasks');
      expect(names).not.toContain('create_task');
      const result = await client.callTool({
        name: 'create_task',
        arguments: { task_input: { title: 'x' } },
      });
      expect(result.structuredContent).toMatchObject({
        error_code: 'permission_denied',
        context: { needed_scope: 'write' },
      });
      const listed = await client.callTool({ name: 'list_tasks', arguments: {} });
      expect(listed.isError).not.toBe(true);
    } finally {
      await client.close();
    }
  });
});
