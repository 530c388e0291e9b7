import {
  type BinderyApi,
  neededScope,
  OPERATION_NAMES,
  scopeCovers,
  scopeRefusal,
} from '../contract/index.js';
import { currentAccess } from '../store/actor.js';

/**
 * A named token's scope, checked on every operation: wrapping the API (not a route) covers REST, JSON-RPC
 * and MCP alike, since all of them call through it. The root token and an open server have no limits.
 */
export function accessApi(api: BinderyApi): BinderyApi {
  const guarded: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of OPERATION_NAMES) {
    const call = api[name] as (input: unknown) => Promise<unknown>;
    const needed = neededScope(name);
    guarded[name] = async (input) => {
      const access = currentAccess();
      if (access && !scopeCovers(access.scope, needed)) throw scopeRefusal(needed, name);
      return call.call(api, input);
    };
  }
  return guarded as BinderyApi;
}
