import { describe, expect, it } from 'vitest';
import { clientOptions, clientSettings } from '../../src/cli/config.js';
import { BinderyClient } from '../../src/client/index.js';
import { affects, effectOf } from '../../src/client/invalidation.js';
import { buildRequest, isIdempotent } from '../../src/client/routing.js';
import { TaskGraph } from '../../src/client/task-graph.js';
import type { Task } from '../../src/contract/index.js';
import { ConfigError } from '../../src/runtime/settings.js';

describe('client settings from the environment', () => {
  it('has the spec defaults', () => {
    expect(clientSettings({})).toEqual({
      url: undefined,
      token: undefined,
      timeoutS: 30,
      cacheTtlS: 300,
      cacheListTtlS: 5,
      breakerResetS: 60,
      connections: 10,
    });
  });

  it.each([
    ['BINDERY_URL', 'not a url'],
    ['BINDERY_URL', 'ftp://127.0.0.1:3000'],
    ['BINDERY_TIMEOUT', '-1'],
    ['BINDERY_TIMEOUT', 'soon'],
    ['BINDERY_TIMEOUT', '0'],
    ['BINDERY_CACHE_TTL', '-5'],
    ['BINDERY_CACHE_TTL', 'forever'],
    ['BINDERY_CACHE_LIST_TTL', '-1'],
    ['BINDERY_BREAKER_RESET_S', 'x'],
    ['BINDERY_CLIENT_CONNECTIONS', '0'],
    ['BINDERY_CLIENT_CONNECTIONS', '2.5'],
    ['BINDERY_ACTOR', 'a'.repeat(101)],
    ['BINDERY_ACTOR', 'bad\u0007actor'],
  ])('refuses %s=%s with an error naming the variable', (name, value) => {
    expect(() => clientSettings({ [name]: value })).toThrow(ConfigError);
    expect(() => clientSettings({ [name]: value })).toThrow(name);
  });

  it('turns settings into client options; TTL 0 disables the cache', async () => {
    const settings = clientSettings({
      BINDERY_URL: 'http://127.0.0.1:4000',
      BINDERY_TIMEOUT: '2.5',
      BINDERY_CACHE_TTL: '0',
      BINDERY_BREAKER_RESET_S: '7',
      BINDERY_CLIENT_CONNECTIONS: '4',
      BINDERY_TOKEN: 'secret',
    });
    const options = clientOptions(settings);
    expect(options).toMatchObject({
      url: 'http://127.0.0.1:4000',
      token: 'secret',
      connections: 4,
      timeoutMs: 2500,
      breaker: { resetMs: 7000 },
      cache: { ttlMs: 0 },
    });
    const client = new BinderyClient(options);
    expect(client.stats().cache.enabled).toBe(false);
    await client.close();
    expect(() => clientOptions(clientSettings({}))).toThrow('BINDERY_URL');
    expect(clientOptions(clientSettings({}), 'http://127.0.0.1:3000').url).toBe('http://127.0.0.1:3000');
  });

  it('refuses bad constructor options, naming them', () => {
    expect(() => new BinderyClient({ url: 'nope' })).toThrow('url');
    expect(() => new BinderyClient({ url: 'file:///tmp/x' })).toThrow('http://');
    expect(() => new BinderyClient({ url: 'http://127.0.0.1:1', timeoutMs: -1 })).toThrow('timeoutMs');
    expect(() => new BinderyClient({ url: 'http://127.0.0.1:1', cache: { ttlMs: Number.NaN } })).toThrow(
      'cache.ttlMs',
    );
    expect(() => new BinderyClient({ url: 'http://127.0.0.1:1', connections: 0 })).toThrow('connections');
  });
});

describe('requests derived from the operation table', () => {
  it('fills path parameters and puts the rest in the query or the body', () => {
    const id = '3f1c7c9e-8a5b-4c1d-9e2f-0a1b2c3d4e5f';
    expect(buildRequest('list_children', { task_id: id, limit: 5 }, 1000)).toEqual({
      method: 'GET',
      path: `/api/tasks/${id}/children?limit=5`,
    });
    const update = buildRequest('update_task', { task_id: id, title: 'x' }, 1000);
    expect(update).toMatchObject({ method: 'PATCH', path: `/api/tasks/${id}`, body: '{"title":"x"}' });
    expect(update.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(buildRequest('search', { query: 'q', entity_types: ['task'] }, 1000)).toEqual({
      method: 'POST',
      path: '/api/search',
      body: '{"query":"q","entity_types":["task"]}',
    });
    expect(buildRequest('get_task_dashboard', {}, 1000)).toEqual({
      method: 'GET',
      path: '/api/dashboard/stats',
    });
  });

  it('retries only idempotent requests: a POST without an Idempotency-Key is not one', () => {
    expect(isIdempotent('get_task', { method: 'GET', path: '/' })).toBe(true);
    expect(isIdempotent('search', { method: 'POST', path: '/api/search' })).toBe(true);
    expect(isIdempotent('delete_task', { method: 'DELETE', path: '/' })).toBe(true);
    expect(isIdempotent('update_task', { method: 'PATCH', path: '/' })).toBe(true);
    expect(isIdempotent('create_task', { method: 'POST', path: '/api/tasks' })).toBe(false);
    expect(isIdempotent('create_task', { method: 'POST', path: '/api/tasks', idempotencyKey: 'k' })).toBe(
      true,
    );
  });
});

describe('invalidation when the client knows little', () => {
  const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const task = (id: string, fields: Partial<Task> = {}): Task => ({
    id,
    updated_by: 'anonymous',
    title: 't',
    description: '',
    status: 'todo',
    priority: 'normal',
    tags: [],
    labels: {},
    parent_id: null,
    project_id: null,
    role: null,
    children: [],
    depends_on: [],
    blocked_by: [],
    due_at: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    completed_at: null,
    completion_notes: null,
    version: 1,
    ...fields,
  });

  it('finds the old parent of a moved task by its cached children when the graph never saw the task', () => {
    const graph = new TaskGraph();
    const effect = effectOf('update_task', { task_id: ID(2), parent_id: ID(3) }, undefined, graph);
    const oldParent = {
      op: 'get_task' as const,
      args: { task_id: ID(1) },
      value: task(ID(1), { children: [ID(2)] }),
    };
    const bystander = { op: 'get_task' as const, args: { task_id: ID(4) }, value: task(ID(4)) };
    expect(affects(effect, oldParent, graph)).toBe(true);
    expect(affects(effect, bystander, graph)).toBe(false);
    expect(effect.unknownParent).toBe(true);
    expect(affects(effect, { op: 'list_children', args: { task_id: ID(9) } }, graph)).toBe(true);
  });

  it('treats a task whose ancestry is unknown as possibly inside a deleted subtree', () => {
    const graph = new TaskGraph();
    const effect = effectOf('delete_task', { task_id: ID(1) }, undefined, graph);
    const unknownAncestry = {
      op: 'get_task' as const,
      args: { task_id: ID(5) },
      value: task(ID(5), { parent_id: ID(6) }),
    };
    const topLevel = { op: 'get_task' as const, args: { task_id: ID(7) }, value: task(ID(7)) };
    expect(affects(effect, unknownAncestry, graph)).toBe(true);
    expect(affects(effect, topLevel, graph)).toBe(false);
    expect(effect.projects).toBe('all');
  });

  it('touches every project when a status change hits a task of unknown project', () => {
    const graph = new TaskGraph();
    const effect = effectOf('update_task', { task_id: ID(1), status: 'done' }, undefined, graph);
    expect(affects(effect, { op: 'get_project', args: { project_id: ID(8) } }, graph)).toBe(true);
    graph.learn(task(ID(1), { project_id: ID(9) }));
    const known = effectOf(
      'update_task',
      { task_id: ID(1), status: 'done' },
      task(ID(1), { project_id: ID(9) }),
      graph,
    );
    expect(affects(known, { op: 'get_project', args: { project_id: ID(8) } }, graph)).toBe(false);
    expect(affects(known, { op: 'get_project', args: { project_id: ID(9) } }, graph)).toBe(true);
  });

  it('leaves search of other entity types alone', () => {
    const graph = new TaskGraph();
    const effect = effectOf('update_note', { note_id: ID(1), title: 'x' }, undefined, graph);
    expect(affects(effect, { op: 'search', args: { query: 'q', entity_types: ['task'] } }, graph)).toBe(
      false,
    );
    expect(affects(effect, { op: 'search', args: { query: 'q' } }, graph)).toBe(true);
    expect(affects(effect, { op: 'get_task_dashboard', args: {} }, graph)).toBe(false);
  });
});
