/**
 * The HTTP form of an operation, both ways: the client turns an input into a request with
 * `requestFromInput`, the server turns a request back into the input with `inputFromRequest`. Both read the
 * same route of the operation table, so the two ends cannot disagree; test/contract/http.test.ts runs the
 * round trip over every operation.
 *
 * Where an input field travels:
 * - path: a `:name` segment of the route fills the field of that name;
 * - body: every other field, as one JSON object, for POST, PUT and PATCH;
 * - query: every other field, as `name=value` pairs (an array repeats the name), for GET and DELETE;
 * - header: `expected_version` may also come as `If-Match: "<version>"` on an operation that takes it.
 *   The client always sends it in the body; the header is for hand-written requests (docs/design.md).
 */
import { BinderyError } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRoute {
  method: HttpMethod;
  /** Fastify-style path; `:name` segments fill the input field of that name. */
  path: string;
  /** Further methods served by the same route (PUT beside PATCH). */
  alsoMethods?: HttpMethod[];
  /** Status of a success answer; 200 unless given. */
  status?: number;
  /**
   * An answer that reports a failure in its body and is sent with another status (health: 503 when
   * unhealthy). The client reads such an answer as a result, not as an error.
   */
  failure?: { status: number; when: (output: never) => boolean };
  /** Request body limit in bytes when a route allows more than the 2 MB default. */
  bodyLimit?: number;
  /**
   * One path per value of an input field, when the resource names the kind of entity
   * (`/api/tasks/:id/history`, `/api/notes/:id/history`): the field travels as the choice of path. `path`
   * is then the first of them.
   */
  pathBy?: { field: string; paths: Record<string, string> };
}

const BODY_METHODS: ReadonlySet<HttpMethod> = new Set(['POST', 'PUT', 'PATCH']);
const PATH_PARAM = /:([A-Za-z_]+)/g;
const VERSION_FIELD = 'expected_version';

export function hasBody(method: HttpMethod): boolean {
  return BODY_METHODS.has(method);
}

/**
 * Every path the route is served at, with the input fields each one fixes: one path, or one per value of
 * `pathBy.field` (the server adds the fixed field to what it reads from the request).
 */
export function routePaths(route: HttpRoute): { path: string; fixed: Record<string, string> }[] {
  const { pathBy } = route;
  if (!pathBy) return [{ path: route.path, fixed: {} }];
  return Object.entries(pathBy.paths).map(([value, path]) => ({ path, fixed: { [pathBy.field]: value } }));
}

export function pathFields(route: HttpRoute): string[] {
  return [...route.path.matchAll(PATH_PARAM)].map((match) => match[1]!);
}

/** A request as the client sends it: path with query string, and the JSON body (not yet serialised). */
export interface RequestParts {
  method: HttpMethod;
  /** Path and query string. */
  path: string;
  body?: Record<string, unknown>;
}

export function requestFromInput(route: HttpRoute, input: Record<string, unknown>): RequestParts {
  const rest = { ...input };
  let template = route.path;
  if (route.pathBy) {
    template = route.pathBy.paths[String(rest[route.pathBy.field])] ?? route.path;
    delete rest[route.pathBy.field];
  }
  const path = template.replace(PATH_PARAM, (_match, field: string) => {
    const value = rest[field];
    delete rest[field];
    return encodeURIComponent(String(value));
  });
  if (hasBody(route.method)) return { method: route.method, path, body: rest };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    for (const item of [value].flat()) query.append(key, String(item));
  }
  const search = query.toString();
  return { method: route.method, path: search ? `${path}?${search}` : path };
}

/** A request as the server has read it: router parameters, the body or query object, and headers. */
export interface ReceivedRequest {
  /** Path parameters, already decoded by the router. */
  params: Record<string, string>;
  /** The JSON body (POST/PUT/PATCH) or the query object (GET/DELETE). */
  fields: unknown;
  header(name: string): string | undefined;
}

/**
 * The operation's input from a request. A field given twice (in the body and the path) is refused, not
 * overridden; `If-Match` fills `expected_version` when the operation takes one and the body does not.
 */
export function inputFromRequest(takesVersion: boolean, request: ReceivedRequest): Record<string, unknown> {
  const { fields } = request;
  if (!isJsonObject(fields)) {
    throw BinderyError.validation([{ field: '(body)', reason: 'must be a JSON object' }]);
  }
  const input: Record<string, unknown> = { ...fields };
  for (const [name, value] of Object.entries(request.params)) {
    if (name in input)
      throw BinderyError.validation([
        { field: name, reason: 'is given by the path; leave it out of the body' },
      ]);
    input[name] = value;
  }
  const version = takesVersion ? versionFromIfMatch(request.header('if-match')) : undefined;
  if (version !== undefined && input[VERSION_FIELD] === undefined) input[VERSION_FIELD] = version;
  return input;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether an input schema has an `expected_version` field (so If-Match may carry it). */
export function takesVersion(input: object): boolean {
  return 'shape' in input && VERSION_FIELD in (input.shape as object);
}

/** `If-Match: "3"` (or W/"3", or 3) → 3. */
function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match)
    throw BinderyError.validation([{ field: 'If-Match', reason: 'must be a version number like "3"' }]);
  return Number(match[1]);
}
