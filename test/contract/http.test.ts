import { describe, expect, it } from 'vitest';
import {
  hasBody,
  inputFromRequest,
  OPERATION_NAMES,
  type OperationName,
  operations,
  parseInput,
  pathFields,
  requestFromInput,
  takesVersion,
} from '../../src/contract/index.js';
import { RANDOM_IDS, SAMPLE_INPUTS } from '../helpers/operations.js';

/**
 * What the server's router does with a request line: match the route's path (`:name` segments become
 * params, decoded) and parse the query string, a repeated name giving an array.
 */
function receive(
  name: OperationName,
  path: string,
  body: string | undefined,
  headers: Record<string, string>,
) {
  const { http } = operations[name];
  const [pathname = '', search = ''] = path.split('?');
  const pattern = new RegExp(`^${http.path.replace(/:([A-Za-z_]+)/g, '(?<$1>[^/]+)')}$`);
  const match = pattern.exec(pathname);
  if (!match) throw new Error(`${name}: ${pathname} does not match ${http.path}`);
  const params = Object.fromEntries(
    Object.entries(match.groups ?? {}).map(([key, value]) => [key, decodeURIComponent(value)]),
  );
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [seen, value].flat();
  }
  return inputFromRequest(takesVersion(operations[name].input), {
    params,
    fields: body === undefined ? query : JSON.parse(body),
    header: (header) => headers[header],
  });
}

describe('the HTTP mapping of the operation table', () => {
  it.each(OPERATION_NAMES)('%s: input → request → input gives the same input', async (name) => {
    const { http, input: schema } = operations[name];
    const input = (await SAMPLE_INPUTS[name](RANDOM_IDS)) as Record<string, unknown>;
    const request = requestFromInput(http, input);
    expect(request.method).toBe(http.method);
    // Path fields travel in the path only; everything else in the body (POST/PUT/PATCH) or the query.
    for (const field of pathFields(http)) {
      expect(request.path).toContain(encodeURIComponent(String(input[field])));
      expect(request.body ?? {}).not.toHaveProperty(field);
    }
    expect(request.body !== undefined).toBe(hasBody(http.method));
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const received = receive(name, request.path, body, {});
    expect(parseInput(schema, received)).toEqual(parseInput(schema, input));
  });

  const versioned = OPERATION_NAMES.filter((name) => takesVersion(operations[name].input));

  it('the operations that take expected_version are exactly the updates and complete_task', () => {
    expect(versioned.sort()).toEqual(['complete_task', 'update_note', 'update_project', 'update_task']);
  });

  it.each(versioned)('%s: If-Match fills expected_version unless the body has it', async (name) => {
    const { http, input: schema } = operations[name];
    const { expected_version: _dropped, ...input } = (await SAMPLE_INPUTS[name](RANDOM_IDS)) as Record<
      string,
      unknown
    >;
    const request = requestFromInput(http, input);
    const body = JSON.stringify(request.body);
    const viaHeader = receive(name, request.path, body, { 'if-match': 'W/"4"' });
    expect(parseInput(schema, viaHeader)).toEqual(parseInput(schema, { ...input, expected_version: 4 }));
    const both = requestFromInput(http, { ...input, expected_version: 2 });
    const bodyWins = receive(name, both.path, JSON.stringify(both.body), { 'if-match': '"4"' });
    expect(bodyWins.expected_version).toBe(2);
    expect(() => receive(name, request.path, body, { 'if-match': 'soon' })).toThrow(
      expect.objectContaining({
        details: [{ field: 'If-Match', reason: 'must be a version number like "3"' }],
      }),
    );
  });

  it('refuses a body field that repeats a path field, and a body that is not an object', () => {
    const request = requestFromInput(operations.update_task.http, { task_id: RANDOM_IDS_TASK, title: 'x' });
    const body = JSON.stringify({ task_id: RANDOM_IDS_TASK, title: 'x' });
    expect(() => receive('update_task', request.path, body, {})).toThrow(
      expect.objectContaining({
        details: [{ field: 'task_id', reason: 'is given by the path; leave it out of the body' }],
      }),
    );
    expect(() => receive('update_task', request.path, '[1]', {})).toThrow(
      expect.objectContaining({ details: [{ field: '(body)', reason: 'must be a JSON object' }] }),
    );
  });

  it('encodes path values and repeats array query fields', () => {
    const route = { method: 'GET' as const, path: '/api/things/:thing_id' };
    const request = requestFromInput(route, { thing_id: 'a/b c', tag: ['x', 'y'], skip: undefined });
    expect(request).toEqual({ method: 'GET', path: '/api/things/a%2Fb%20c?tag=x&tag=y' });
  });
});

const RANDOM_IDS_TASK = '6f1c2a3e-4b5d-4e6f-8a7b-9c0d1e2f3a4b';
