/**
 * MCP resources (docs/mcp.md, "Resources"): every task, project, note and document at
 * `bindery://<kind>s/<id>`, and the dashboard at `bindery://dashboard`. A read answers the entity as JSON,
 * with its version in `_meta` and the cache hint the 2026-07-28 revision asks for; `resources/list` pages
 * through the projects (the dashboard first); completion offers ids of recent entities. Everything goes
 * through the same API as the tools, so tokens, project scopes and read-only mode apply alike.
 */
import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ReadResourceResult,
  ResourceNotFoundError,
  ResourceTemplate,
} from '@modelcontextprotocol/server';
import { type BinderyApi, isBinderyError } from '../contract/index.js';
import type { FixedResource } from './app.js';
import { sanitizeMessage } from './security/index.js';

export const DASHBOARD_URI = 'bindery://dashboard';
const MIME = 'application/json';
/** Entries per resources/list page. */
const LIST_PAGE = 50;
/** Ids offered by completion. */
const COMPLETIONS = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * A read may be reused this long (2026-07-28 `ttlMs`); a subscriber hears of a change within the same second.
 * `private`: what a read shows depends on the caller's token.
 */
export const RESOURCE_CACHE_HINT = { ttlMs: 1_000, cacheScope: 'private' as const };

interface Kind {
  /** The URI segment: `bindery://tasks/{id}`. */
  plural: string;
  title: string;
  read(api: BinderyApi, id: string): Promise<{ version?: number; content_hash?: string }>;
  recent(api: BinderyApi): Promise<{ items: { id: string }[] }>;
}

export const RESOURCE_KINDS: readonly Kind[] = [
  {
    plural: 'tasks',
    title: 'Task',
    read: (api, id) => api.get_task({ task_id: id }),
    recent: (api) => api.list_tasks({ limit: COMPLETIONS }),
  },
  {
    plural: 'projects',
    title: 'Project',
    read: (api, id) => api.get_project({ project_id: id }),
    recent: (api) => api.list_projects({ limit: COMPLETIONS }),
  },
  {
    plural: 'notes',
    title: 'Note',
    read: (api, id) => api.get_note({ note_id: id }),
    recent: (api) => api.list_notes({ limit: COMPLETIONS }),
  },
  {
    plural: 'documents',
    title: 'Document',
    read: (api, id) => api.get_document({ document_id: id }),
    recent: (api) => api.list_documents({ limit: COMPLETIONS }),
  },
];

export function entityUri(plural: string, id: string): string {
  return `bindery://${plural}/${id}`;
}

/** `bindery://tasks/<uuid>` → its kind and id; anything else → undefined. */
export function parseEntityUri(uri: string): { kind: Kind; id: string } | undefined {
  const found = /^bindery:\/\/([a-z]+)\/([^/?#]+)$/.exec(uri);
  const kind = found && RESOURCE_KINDS.find((k) => k.plural === found[1]);
  if (!kind || !found || !UUID.test(found[2]!)) return undefined;
  return { kind, id: found[2]!.toLowerCase() };
}

/** The entity behind a URI, or the era's not-found error (unknown kind, malformed id, missing entity). */
export async function readEntity(api: BinderyApi, uri: string): Promise<ReadResourceResult> {
  if (uri === DASHBOARD_URI) return answer(uri, await api.get_task_dashboard({}), undefined);
  const parsed = parseEntityUri(uri);
  if (!parsed) throw new ResourceNotFoundError(uri, `No resource at ${shown(uri)}.`);
  try {
    const entity = await parsed.kind.read(api, parsed.id);
    return answer(uri, entity, entity.version ?? entity.content_hash);
  } catch (error) {
    throw asProtocolError(error, uri);
  }
}

function answer(uri: string, value: unknown, version: number | string | undefined): ReadResourceResult {
  return {
    contents: [
      {
        uri,
        mimeType: MIME,
        text: JSON.stringify(value),
        ...(version === undefined ? {} : { _meta: { 'bindery/version': version } }),
      },
    ],
  };
}

function shown(uri: string): string {
  return uri.length > 200 ? `${uri.slice(0, 200)}…` : uri;
}

function asProtocolError(error: unknown, uri: string): Error {
  if (!isBinderyError(error)) return error as Error;
  if (error.code === 'not_found' || error.code === 'validation_error') {
    return new ResourceNotFoundError(uri, `No resource at ${shown(uri)}.`);
  }
  return new ProtocolError(ProtocolErrorCode.InvalidRequest, sanitizeMessage(error.message), {
    code: error.code,
  });
}

/**
 * Registers the templates, the dashboard and the paged list on `mcp`; `fixed` resources (the board app) are
 * listed on the first page and read through their own callbacks.
 */
export function registerResources(
  mcp: McpServer,
  api: BinderyApi,
  fixed: readonly FixedResource[] = [],
): void {
  mcp.registerResource(
    'dashboard',
    DASHBOARD_URI,
    { title: 'Dashboard', description: 'Counts by status and priority, recent activity.', mimeType: MIME },
    (uri) => readEntity(api, uri.href),
  );
  for (const kind of RESOURCE_KINDS) {
    const template = new ResourceTemplate(`bindery://${kind.plural}/{id}`, {
      list: undefined,
      complete: {
        id: async (value) => {
          const page = await kind.recent(api).catch(() => ({ items: [] }));
          return page.items.map((item) => item.id).filter((id) => id.startsWith(value));
        },
      },
    });
    mcp.registerResource(
      kind.plural,
      template,
      { title: kind.title, description: `A ${kind.title.toLowerCase()} as JSON.`, mimeType: MIME },
      (uri) => readEntity(api, uri.href),
    );
  }
  // Every read, the templates' too, is answered by one handler: a URI no template matches (or a malformed
  // one) gets the same not-found error as a missing entity.
  mcp.server.setRequestHandler('resources/read', (request, ctx) => {
    const own = fixed.find((resource) => resource.uri === request.params.uri);
    return own ? own.registered.readCallback(new URL(own.uri), ctx) : readEntity(api, request.params.uri);
  });
  mcp.server.setRequestHandler('resources/list', async (request) => {
    const cursor = request.params?.cursor;
    const first = cursor === undefined;
    const page = await api
      .list_projects({
        limit: first ? LIST_PAGE - 1 - fixed.length : LIST_PAGE,
        ...(first ? {} : { cursor }),
      })
      .catch((error: unknown) => {
        throw isBinderyError(error) && error.code === 'validation_error'
          ? new ProtocolError(
              ProtocolErrorCode.InvalidParams,
              'Invalid params for resources/list: cursor: not a cursor this list gave.',
            )
          : asProtocolError(error, 'bindery://projects');
      });
    const projects = page.items.map((project) => ({
      uri: entityUri('projects', project.id),
      name: project.name,
      title: project.name,
      mimeType: MIME,
    }));
    const resources = first
      ? [
          { uri: DASHBOARD_URI, name: 'dashboard', title: 'Dashboard', mimeType: MIME },
          ...fixed.map(({ uri, registered }) => ({ uri, name: registered.name, ...registered.metadata })),
          ...projects,
        ]
      : projects;
    return page.next_cursor ? { resources, nextCursor: page.next_cursor } : { resources };
  });
}
