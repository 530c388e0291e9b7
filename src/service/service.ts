import {
  type BinderyApi,
  normalizeOperationInput,
  OPERATION_NAMES,
  type OperationName,
  operations,
  parseInput,
} from '../contract/index.js';
import type { Store } from '../store/types.js';
import { batchHandlers } from './batch.js';
import { changeHandlers } from './changes.js';
import type { Handlers, ServiceContext } from './context.js';
import { coordinationHandlers } from './coordination.js';
import { healthHandlers } from './health.js';
import { knowledgeHandlers } from './knowledge.js';
import { planHandlers } from './plans.js';
import { projectHandlers } from './projects.js';
import type { RoleRegistry } from './roles.js';
import { systemHandlers } from './system.js';
import { taskHandlers } from './tasks.js';
import { type TokenServiceOptions, tokenHandlers } from './tokens.js';

export interface ServiceOptions extends TokenServiceOptions {
  store: Store;
  roles: RoleRegistry;
  version: string;
  workspace: string;
  now?: () => Date;
  /** When the server started, for its health answer's uptime; now unless given. */
  startedAt?: Date;
  /** Why a dependency works in a lesser mode right now (health turns `degraded`). */
  degradations?: () => string[];
}

/**
 * The in-process BinderyApi: every call is validated against the operation's input schema (so every
 * caller, REST, JSON-RPC or MCP, gets the same checks, the same accepted shapes and field-level errors),
 * then handled.
 */
export function createService(options: ServiceOptions): BinderyApi {
  const ctx: ServiceContext & TokenServiceOptions = {
    now: () => new Date(),
    startedAt: new Date(),
    ...options,
  };
  const handlers: Handlers<OperationName> = {
    ...taskHandlers(ctx),
    ...batchHandlers(ctx),
    ...planHandlers(ctx),
    ...projectHandlers(ctx),
    ...knowledgeHandlers(ctx),
    ...systemHandlers(ctx),
    ...changeHandlers(ctx),
    ...coordinationHandlers(ctx),
    ...healthHandlers(ctx),
    ...tokenHandlers(ctx),
  };
  const api = {} as Record<OperationName, (input: unknown) => Promise<unknown>>;
  for (const name of OPERATION_NAMES) {
    const handle = handlers[name] as (args: unknown) => Promise<unknown>;
    const schema = operations[name].input;
    api[name] = async (input: unknown) =>
      handle(parseInput(schema, normalizeOperationInput(name, input ?? {})));
  }
  return api as BinderyApi;
}
