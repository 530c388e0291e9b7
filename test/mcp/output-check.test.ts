/**
 * The tool output check (src/mcp/call.ts): an answer the HTTP client decoded against the tool's own output
 * schema is not parsed a second time; every other answer is, and one outside the schema is refused.
 */
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BinderyClient } from '../../src/client/index.js';
import { type BinderyApi, markValidated, operations } from '../../src/contract/index.js';
import { type CallOptions, callTool } from '../../src/mcp/call.js';
import { SecurityCounters } from '../../src/mcp/security/index.js';
import { TOOLS } from '../../src/mcp/tools/index.js';
import { useTestServer } from '../helpers/server.js';
import { inProcessApi } from './helpers.js';

const server = useTestServer();
const getTask = TOOLS.find((tool) => tool.name === 'get_task')!;

function options(api: BinderyApi): CallOptions {
  return {
    api,
    health: async () => {
      throw new Error('not used');
    },
    security: { policy: 'flag', counters: new SecurityCounters() },
    logger: pino({ level: 'silent' }),
    production: false,
    includeMetrics: false,
  };
}

describe('tool output check', () => {
  let service: Awaited<ReturnType<typeof inProcessApi>>;
  const clients: BinderyClient[] = [];
  const client = (cacheTtlMs: number) => {
    const made = new BinderyClient({ url: server.url, cache: { ttlMs: cacheTtlMs }, feed: false });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    service = await inProcessApi();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await service.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('trusts the answer the HTTP client decoded against the same schema: validated once', async () => {
    expect(getTask.answer).toBe(operations.get_task.output);
    const api = client(0);
    const task = await api.create_task({ title: 'checked once' });
    const check = vi.spyOn(getTask.output, 'safeParse');
    const result = await callTool(getTask, { task_id: task.id }, options(api));
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).toMatchObject({ id: task.id, title: 'checked once' });
    expect(check).not.toHaveBeenCalled();
  });

  it('checks a cached copy and the in-process service’s answers', async () => {
    const cached = client(60_000);
    const task = await cached.create_task({ title: 'copied' });
    await cached.get_task({ task_id: task.id });
    const check = vi.spyOn(getTask.output, 'safeParse');
    expect((await callTool(getTask, { task_id: task.id }, options(cached))).isError).toBeUndefined();
    expect(check).toHaveBeenCalledTimes(1);

    const local = await service.api.create_task({ title: 'in process' });
    expect((await callTool(getTask, { task_id: local.id }, options(service.api))).isError).toBeUndefined();
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('refuses an answer outside the schema, even one marked as checked against another schema', async () => {
    const api = client(0);
    const task = await api.create_task({ title: 'tampered' });
    const project = await api.create_project({ name: 'not a task' });
    const answers: ((task: unknown) => unknown)[] = [
      (answer) => ({ ...(answer as object), extra: true }),
      () => markValidated(structuredClone(project), operations.get_project.output),
    ];
    for (const answer of answers) {
      const tampering = {
        ...api,
        get_task: async (input: { task_id: string }) => answer(await api.get_task(input)),
      } as unknown as BinderyApi;
      const result = await callTool(getTask, { task_id: task.id }, options(tampering));
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({ error_code: 'internal_error', operation: 'get_task' });
    }
  });
});
