/**
 * Resource subscriptions (docs/mcp.md, "Subscriptions"), fed by the change log. On a 2025-11-25
 * connection the client subscribes URI by URI (resources/subscribe, at most MAX_SUBSCRIPTIONS per
 * session) and each change to one of them is pushed as notifications/resources/updated. On a 2026-07-28
 * connection the client opens subscriptions/listen with the URIs it wants; the SDK's serving entry keeps
 * that list and passes on only the updates it names, so every change is handed to it. Subscriptions live
 * in the connection's server instance and end with it.
 */
import { type McpServer, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { BinderyApi, Change } from '../contract/index.js';
import { DASHBOARD_URI, entityUri, readEntity } from './resources.js';

/** Where changes come from: the MCP process's feed (stdio) or the server's change hub (in-process). */
export interface ChangeSource {
  /** `null`: the position was lost and anything may have changed. Returns the function that stops it. */
  onChange(listener: (change: Change | null) => void): () => void;
}

export const MAX_SUBSCRIPTIONS = 1_000;

const PLURAL: Partial<Record<Change['entity'], string>> = {
  task: 'tasks',
  project: 'projects',
  note: 'notes',
  document: 'documents',
};

/** The resources one change updates: the entity's own URI, and the dashboard for tasks and projects. */
export function urisOf(change: Change): string[] {
  const plural = PLURAL[change.entity];
  if (!plural) return [];
  const uri = entityUri(plural, change.id);
  return change.entity === 'task' || change.entity === 'project' ? [uri, DASHBOARD_URI] : [uri];
}

const STATELESS =
  'This endpoint answers 2025-11-25 requests statelessly and cannot push notifications: subscribe ' +
  'through `bindery mcp` (stdio), or with subscriptions/listen on protocol 2026-07-28.';

/**
 * resources/subscribe and unsubscribe on `mcp`, and the relay from `source` (none: subscribe is refused
 * with a sentence saying where it works).
 */
export function attachSubscriptions(mcp: McpServer, api: BinderyApi, source: ChangeSource | undefined): void {
  const subscribed = new Set<string>();
  mcp.server.setRequestHandler('resources/subscribe', async (request) => {
    if (!source) throw new ProtocolError(ProtocolErrorCode.InvalidRequest, STATELESS);
    const { uri } = request.params;
    if (subscribed.has(uri)) return {};
    if (subscribed.size >= MAX_SUBSCRIPTIONS) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `This session already holds ${MAX_SUBSCRIPTIONS} subscriptions, the most it may; unsubscribe from some first.`,
        { limit: MAX_SUBSCRIPTIONS },
      );
    }
    await readEntity(api, uri); // the era's not-found error for a URI with nothing behind it
    subscribed.add(uri);
    return {};
  });
  mcp.server.setRequestHandler('resources/unsubscribe', async (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });
  if (!source) return;

  const modern = () => (mcp.server.getNegotiatedProtocolVersion() ?? '') >= '2026-07-28';
  const send = (uri: string) => {
    mcp.server.sendResourceUpdated({ uri }).catch(() => {
      // the connection is closing; its subscriptions end with it
    });
  };
  const stop = source.onChange((change) => {
    if (change === null) {
      for (const uri of subscribed) send(uri);
      return;
    }
    const all = modern();
    for (const uri of urisOf(change)) if (all || subscribed.has(uri)) send(uri);
  });
  const previous = mcp.server.onclose;
  mcp.server.onclose = () => {
    stop();
    subscribed.clear();
    previous?.();
  };
}
