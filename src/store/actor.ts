import { AsyncLocalStorage } from 'node:async_hooks';
import { ANONYMOUS_ACTOR, type TokenScope } from '../contract/index.js';

/** What a named token lets its holder do (docs/access.md); absent for the root token and an open server. */
export interface Access {
  /** The token's name. */
  token: string;
  scope: TokenScope;
  /** The projects the token is limited to; null: every project. */
  project_ids: readonly string[] | null;
}

/** Who the code running now acts for, and with what access. */
export interface Caller {
  /** Recorded as the change log's `actor` and the entities' `updated_by`. */
  actor: string;
  /** What the caller declared itself (X-Bindery-Actor) when a named token fixes the actor. */
  client?: string | null | undefined;
  access?: Access | undefined;
}

/**
 * Who the code running now acts for. The server sets it per request (from the credential and
 * `X-Bindery-Actor`), background sweeps set `system`; a write transaction hands it to the database, where
 * the change log's triggers and the entities' `updated_by` read it. Carried implicitly because every store
 * method would otherwise need one more parameter that only the change log and access checks read.
 */
const current = new AsyncLocalStorage<Caller>();

export function runAsCaller<T>(caller: Caller, fn: () => T): T {
  return current.run(caller, fn);
}

export function runAsActor<T>(actor: string, fn: () => T): T {
  return current.run({ actor }, fn);
}

export function currentActor(): string {
  return current.getStore()?.actor ?? ANONYMOUS_ACTOR;
}

/** The declared client beside a token's name, or null. */
export function currentClient(): string | null {
  return current.getStore()?.client ?? null;
}

/** The named token's limits of the running call; undefined: unlimited. */
export function currentAccess(): Access | undefined {
  return current.getStore()?.access;
}

/**
 * The projects a project-limited token reaches: a read of the running call that names no project spans
 * exactly these (docs/access.md). Undefined: every project.
 */
export function reachableProjects(): readonly string[] | undefined {
  return currentAccess()?.project_ids ?? undefined;
}

/**
 * Whether an entity of `projectId` is visible to `access`: everything without a project-limited token; with
 * one, only entities of its projects (a task without a project belongs to none of them).
 */
export function inProjects(access: Access | undefined, projectId: string | null | undefined): boolean {
  if (!access?.project_ids) return true;
  return projectId != null && access.project_ids.includes(projectId);
}
