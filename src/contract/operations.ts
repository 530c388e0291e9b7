/**
 * The operation table: every operation of Bindery once, with its input and output schema and its HTTP
 * route. The service implements it, the server derives its REST routes and JSON-RPC methods from it, and
 * the client derives its requests from it (both through http.ts), so an operation cannot exist in one layer
 * and not another. docs/design.md walks through adding one.
 */
import type { z } from 'zod';
import { BatchResult, CompleteTasksInput, UpdateTasksInput } from './batch.js';
import { ChangePage, GetHistoryInput, HistoryPage, ListChangesInput } from './change.js';
import { DeleteResult } from './common.js';
import {
  ExecutionPage,
  HeartbeatInput,
  HeartbeatResult,
  ListExecutionsInput,
  NextTaskInput,
  NextTaskResult,
} from './coordination.js';
import { Dashboard } from './dashboard.js';
import {
  Document,
  DocumentIdParams,
  DocumentPage,
  IndexDocumentInput,
  IndexDocumentResult,
  ListDocumentsInput,
  MAX_DOCUMENT_BYTES,
} from './document.js';
import { PoolHealthReport, PoolMetrics, ServerHealth } from './health.js';
import type { HttpRoute } from './http.js';
import { CreateNoteInput, ListNotesInput, Note, NoteIdParams, NotePage, UpdateNoteInput } from './note.js';
import {
  ExportPlanInput,
  ExportPlanResult,
  ImportPlanInput,
  ImportPlanResult,
  MAX_PLAN_CHARS,
} from './plan.js';
import {
  CreateProjectInput,
  DeleteProjectResult,
  ListProjectsInput,
  Project,
  ProjectIdParams,
  ProjectPage,
  UpdateProjectInput,
} from './project.js';
import { ExecuteTaskInput, ExecuteTaskResult, RoleList } from './role.js';
import { SearchInput, SearchResults } from './search.js';
import { Empty, VersionInfo } from './system.js';
import {
  AssignRoleInput,
  AssignRoleResult,
  CompleteTaskInput,
  CompleteTaskResult,
  CreateTaskInput,
  DeleteTaskResult,
  ListChildrenInput,
  ListTasksInput,
  Task,
  TaskIdParams,
  TaskPage,
  TaskSummaryPage,
  UpdateTaskInput,
} from './task.js';
import {
  AccessInfo,
  CreatedToken,
  CreateTokenInput,
  RevokeTokenResult,
  TokenList,
  TokenNameParams,
  type TokenScope,
} from './token.js';

/**
 * read: safe and cacheable; monitor: safe, a live reading of the server itself, never cached;
 * create: makes a new entity (the client sends an Idempotency-Key); write: changes or removes existing state.
 */
export type OperationKind = 'read' | 'monitor' | 'create' | 'write';

export interface Operation<
  I extends z.ZodType = z.ZodType,
  O extends z.ZodType = z.ZodType,
  K extends OperationKind = OperationKind,
> {
  kind: K;
  input: I;
  output: O;
  http: HttpRoute;
}

const op = <K extends OperationKind, I extends z.ZodType, O extends z.ZodType>(
  kind: K,
  input: I,
  output: O,
  http: HttpRoute,
): Operation<I, O, K> => ({ kind, input, output, http });

const HISTORY_PATHS = {
  task: '/api/tasks/:id/history',
  project: '/api/projects/:id/history',
  note: '/api/notes/:id/history',
};

/** JSON text of a 5 MB document can grow with escapes; leave room for the envelope. */
const DOCUMENT_BODY_LIMIT = MAX_DOCUMENT_BYTES * 2 + 64 * 1024;

/** A plan's JSON text can grow with escapes (\\uXXXX is 6 bytes for a character of 1 to 3). */
const PLAN_BODY_LIMIT = MAX_PLAN_CHARS * 6 + 64 * 1024;

export const operations = {
  create_task: op('create', CreateTaskInput, Task, { method: 'POST', path: '/api/tasks', status: 201 }),
  get_task: op('read', TaskIdParams, Task, { method: 'GET', path: '/api/tasks/:task_id' }),
  list_tasks: op('read', ListTasksInput, TaskPage, { method: 'GET', path: '/api/tasks' }),
  list_children: op('read', ListChildrenInput, TaskSummaryPage, {
    method: 'GET',
    path: '/api/tasks/:task_id/children',
  }),
  update_task: op('write', UpdateTaskInput, Task, {
    method: 'PATCH',
    path: '/api/tasks/:task_id',
    alsoMethods: ['PUT'],
  }),
  delete_task: op('write', TaskIdParams, DeleteTaskResult, { method: 'DELETE', path: '/api/tasks/:task_id' }),
  complete_task: op('write', CompleteTaskInput, CompleteTaskResult, {
    method: 'POST',
    path: '/api/tasks/:task_id/complete',
  }),
  execute_task: op('write', ExecuteTaskInput, ExecuteTaskResult, {
    method: 'POST',
    path: '/api/tasks/:task_id/execute',
  }),
  assign_role_to_task: op('write', AssignRoleInput, AssignRoleResult, {
    method: 'POST',
    path: '/api/tasks/:task_id/assign-role',
  }),
  // A write: with claim it starts an execution, and even without one the answer is never cacheable. POST
  // first so the client's Idempotency-Key makes a retried claim answer once; GET for hand-written reads.
  next_task: op('write', NextTaskInput, NextTaskResult, {
    method: 'POST',
    path: '/api/tasks/next',
    alsoMethods: ['GET'],
  }),
  heartbeat_execution: op('write', HeartbeatInput, HeartbeatResult, {
    method: 'POST',
    path: '/api/executions/:execution_id/heartbeat',
  }),
  list_executions: op('read', ListExecutionsInput, ExecutionPage, { method: 'GET', path: '/api/executions' }),
  list_roles: op('read', Empty, RoleList, { method: 'GET', path: '/api/roles' }),
  update_tasks: op('write', UpdateTasksInput, BatchResult, { method: 'PATCH', path: '/api/tasks' }),
  complete_tasks: op('write', CompleteTasksInput, BatchResult, {
    method: 'POST',
    path: '/api/tasks/complete',
  }),
  import_plan: op('create', ImportPlanInput, ImportPlanResult, {
    method: 'POST',
    path: '/api/plans/import',
    bodyLimit: PLAN_BODY_LIMIT,
  }),
  export_plan: op('read', ExportPlanInput, ExportPlanResult, { method: 'GET', path: '/api/plans/export' }),

  create_project: op('create', CreateProjectInput, Project, {
    method: 'POST',
    path: '/api/projects',
    status: 201,
  }),
  get_project: op('read', ProjectIdParams, Project, { method: 'GET', path: '/api/projects/:project_id' }),
  list_projects: op('read', ListProjectsInput, ProjectPage, { method: 'GET', path: '/api/projects' }),
  update_project: op('write', UpdateProjectInput, Project, {
    method: 'PUT',
    path: '/api/projects/:project_id',
    alsoMethods: ['PATCH'],
  }),
  delete_project: op('write', ProjectIdParams, DeleteProjectResult, {
    method: 'DELETE',
    path: '/api/projects/:project_id',
  }),

  create_note: op('create', CreateNoteInput, Note, { method: 'POST', path: '/api/notes', status: 201 }),
  get_note: op('read', NoteIdParams, Note, { method: 'GET', path: '/api/notes/:note_id' }),
  list_notes: op('read', ListNotesInput, NotePage, { method: 'GET', path: '/api/notes' }),
  update_note: op('write', UpdateNoteInput, Note, {
    method: 'PUT',
    path: '/api/notes/:note_id',
    alsoMethods: ['PATCH'],
  }),
  delete_note: op('write', NoteIdParams, DeleteResult, { method: 'DELETE', path: '/api/notes/:note_id' }),

  index_document: op('create', IndexDocumentInput, IndexDocumentResult, {
    method: 'POST',
    path: '/api/rag/index',
    bodyLimit: DOCUMENT_BODY_LIMIT,
  }),
  get_document: op('read', DocumentIdParams, Document, {
    method: 'GET',
    path: '/api/documents/:document_id',
  }),
  list_documents: op('read', ListDocumentsInput, DocumentPage, { method: 'GET', path: '/api/documents' }),
  delete_document: op('write', DocumentIdParams, DeleteResult, {
    method: 'DELETE',
    path: '/api/documents/:document_id',
  }),

  search: op('read', SearchInput, SearchResults, { method: 'POST', path: '/api/search' }),
  get_task_dashboard: op('read', Empty, Dashboard, { method: 'GET', path: '/api/dashboard/stats' }),
  version_info: op('read', Empty, VersionInfo, { method: 'GET', path: '/api/version' }),

  get_health: op('monitor', Empty, ServerHealth, {
    method: 'GET',
    path: '/health',
    failure: { status: 503, when: (health: ServerHealth) => health.status === 'unhealthy' },
  }),
  get_pool_metrics: op('monitor', Empty, PoolMetrics, { method: 'GET', path: '/api/pool/metrics' }),
  get_pool_health: op('monitor', Empty, PoolHealthReport, { method: 'GET', path: '/api/pool/health' }),
  list_changes: op('read', ListChangesInput, ChangePage, { method: 'GET', path: '/api/changes' }),
  get_history: op('read', GetHistoryInput, HistoryPage, {
    method: 'GET',
    path: HISTORY_PATHS.task,
    pathBy: { field: 'entity', paths: HISTORY_PATHS },
  }),

  create_token: op('create', CreateTokenInput, CreatedToken, {
    method: 'POST',
    path: '/api/tokens',
    status: 201,
  }),
  list_tokens: op('read', Empty, TokenList, { method: 'GET', path: '/api/tokens' }),
  revoke_token: op('write', TokenNameParams, RevokeTokenResult, {
    method: 'DELETE',
    path: '/api/tokens/:name',
  }),
  get_access: op('read', Empty, AccessInfo, { method: 'GET', path: '/api/access' }),
} as const;

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export const OPERATION_NAMES = Object.keys(operations) as OperationName[];

/** Operations of kind 'read': safe to cache and to retry (monitor operations are never cached). */
export type ReadOperationName = {
  [N in OperationName]: Operations[N]['kind'] extends 'read' ? N : never;
}[OperationName];
export const READ_OPERATION_NAMES = OPERATION_NAMES.filter(
  (name) => operations[name].kind === 'read',
) as ReadOperationName[];

/** Operations that change state (kinds 'create' and 'write'). */
export type MutationOperationName = {
  [N in OperationName]: Operations[N]['kind'] extends 'create' | 'write' ? N : never;
}[OperationName];

/** What a caller passes (before defaults and coercion). */
export type OpInput<N extends OperationName> = z.input<Operations[N]['input']>;
/** What an implementation receives (validated). */
export type OpArgs<N extends OperationName> = z.output<Operations[N]['input']>;
export type OpOutput<N extends OperationName> = z.output<Operations[N]['output']>;

/** One method per operation; implemented in-process by src/service and over HTTP by src/client. */
export type BinderyApi = { [N in OperationName]: (input: OpInput<N>) => Promise<OpOutput<N>> };

/** Creates or writes: what rate limits count as a mutation and read-only mode refuses. */
export function changesData(name: OperationName): boolean {
  const { kind } = operations[name];
  return kind === 'create' || kind === 'write';
}

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(operations, name);
}

/** Operations only an admin credential may call, besides what kind `monitor` implies. */
const ADMIN_OPERATIONS: ReadonlySet<OperationName> = new Set(['create_token', 'list_tokens', 'revoke_token']);

/**
 * The scope a named token needs to call an operation: token management and the pool readings need
 * `admin`, every change `write`, the rest (reads, search, changes, history, health) `read`.
 */
export function neededScope(name: OperationName): TokenScope {
  if (ADMIN_OPERATIONS.has(name)) return 'admin';
  const { kind } = operations[name];
  if (kind === 'monitor' && name !== 'get_health') return 'admin';
  return changesData(name) ? 'write' : 'read';
}
