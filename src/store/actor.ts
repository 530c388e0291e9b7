import { AsyncLocalStorage } from 'node:async_hooks';
import { ANONYMOUS_ACTOR } from '../contract/index.js';

/**
 * Who the code running now acts for. The server sets it per request (from `X-Bindery-Actor`), background
 * sweeps set `system`; a write transaction hands it to the database, where the change log's triggers and
 * the entities' `updated_by` read it. Carried implicitly because every store method would otherwise need
 * one more parameter that only the change log reads.
 */
const current = new AsyncLocalStorage<string>();

export function runAsActor<T>(actor: string, fn: () => T): T {
  return current.run(actor, fn);
}

export function currentActor(): string {
  return current.getStore() ?? ANONYMOUS_ACTOR;
}
