import type { OpArgs, OperationName, OpOutput } from '../contract/index.js';
import type { Store } from '../store/types.js';
import type { RoleRegistry } from './roles.js';

export interface ServiceContext {
  store: Store;
  roles: RoleRegistry;
  /** The clock every timestamp comes from (tests may pin it). */
  now: () => Date;
  version: string;
  /** The workspace the server serves, as its health answer names it. */
  workspace: string;
  startedAt: Date;
  /** Why a dependency works in a lesser mode right now (the rate limiter without Redis); [] when none. */
  degradations?: () => string[];
}

/** Implementations of some operations; they receive validated arguments. */
export type Handlers<N extends OperationName> = { [K in N]: (args: OpArgs<K>) => Promise<OpOutput<K>> };

export const DEFAULT_LIMIT = 50;

export function pageRequest(
  args: { limit?: number | undefined; cursor?: string | undefined },
  fallback = DEFAULT_LIMIT,
) {
  return { limit: args.limit ?? fallback, cursor: args.cursor };
}

/** RFC 3339 input → the UTC millisecond form every timestamp is stored in. */
export function toUtc(value: string | null | undefined): string | null | undefined {
  return value == null ? value : new Date(value).toISOString();
}
