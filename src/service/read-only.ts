import { type BinderyApi, BinderyError, changesData, OPERATION_NAMES } from '../contract/index.js';

/**
 * BINDERY_READ_ONLY: the same API with every operation that changes state refused as permission_denied.
 * Wrapping the API (not a route) covers REST, JSON-RPC and MCP alike, since all of them call through it.
 */
export function readOnlyApi(api: BinderyApi): BinderyApi {
  const guarded: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of OPERATION_NAMES) {
    const call = api[name] as (input: unknown) => Promise<unknown>;
    guarded[name] = !changesData(name)
      ? (input) => call.call(api, input)
      : async () => {
          throw new BinderyError(
            'permission_denied',
            `${name} changes data and this Bindery is read-only (BINDERY_READ_ONLY=true).`,
          );
        };
  }
  return guarded as BinderyApi;
}
