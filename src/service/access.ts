import {
  type BinderyApi,
  neededScope,
  OPERATION_NAMES,
  scopeCovers,
  scopeRefusal,
} from '../contract/index.js';
import { currentAccess } from '../store/actor.js';
import { hideOtherProjects, type LinkReader, PROJECT_GUARDS } from './project-access.js';

/**
 * A named token's scope and projects (project-access.ts), checked on every operation: wrapping the API (not a route) covers REST, JSON-RPC
 * and MCP alike, since all of them call through it. The root token and an open server have no limits. A
 * project-limited token's answers lose the ids of other projects' tasks (read through `store`).
 */
export function accessApi(api: BinderyApi, store: LinkReader): BinderyApi {
  const guarded: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of OPERATION_NAMES) {
    const call = api[name] as (input: unknown) => Promise<unknown>;
    const needed = neededScope(name);
    const bound: typeof call = (input) => call.call(api, input);
    const guard = PROJECT_GUARDS[name];
    guarded[name] = async (input) => {
      const access = currentAccess();
      if (!access) return bound(input);
      if (!scopeCovers(access.scope, needed)) throw scopeRefusal(needed, name);
      if (!access.project_ids) return bound(input);
      const fields = typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {};
      const answer = guard ? guard(fields as Record<string, unknown>, access, api, bound) : bound(input);
      return hideOtherProjects(store, await answer);
    };
  }
  return guarded as BinderyApi;
}
