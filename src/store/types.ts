/**
 * The persistence boundary. Each method is one atomic step: multi-row writes run in one transaction, and
 * integrity the database must hold under concurrency (references exist, no parent/dependency cycle,
 * expected version, one running execution per task) is checked inside that transaction. Domain rules
 * (aliases, completed_at, depth limits, roles) stay in src/service.
 */
import type {
  BatchItemError,
  Dashboard,
  Document,
  Execution,
  Note,
  PoolMetrics,
  Project,
  SearchResult,
  Task,
  TaskPriority,
  TaskStatus,
  TaskSummary,
} from '../contract/index.js';
import type { ChangeStore } from './change-log.js';
import type { TokenRecord } from './core/tokens.js';

/** Declared in the contract: the get_pool_metrics answer is exactly what the store measures. */
export type { PoolMetrics, TokenRecord };

export type StoreKind = 'sqlite' | 'postgres';

/** A task as written: everything but the derived `children` and `blocked_by`. */
export type NewTask = Omit<Task, 'children' | 'blocked_by'>;
export type TaskChanges = Partial<Omit<Task, 'id' | 'children' | 'blocked_by' | 'created_at' | 'version'>>;

export interface Page<T> {
  items: T[];
  total: number;
  next_cursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface TaskFilter {
  /** Tasks in any of these statuses. */
  statuses?: readonly TaskStatus[] | undefined;
  priority?: TaskPriority | undefined;
  project_id?: string | undefined;
  /** Only entities of these projects: a project-limited token's reads (docs/access.md). */
  project_ids?: readonly string[] | undefined;
  /** A task id, or null for top-level tasks. */
  parent_id?: string | null | undefined;
  tag?: string | undefined;
  role?: string | undefined;
  /** Only ready tasks (next_task's rule). */
  ready?: boolean | undefined;
}

/** next_task's filters: `role` matches tasks with that role or none. */
export interface ReadyFilter {
  project_id?: string | undefined;
  /** Only entities of these projects: a project-limited token's reads (docs/access.md). */
  project_ids?: readonly string[] | undefined;
  role?: string | undefined;
  tag?: string | undefined;
}

export interface NoteFilter {
  project_id?: string | undefined;
  /** Only notes of these projects: a project-limited token's reads (docs/access.md). */
  project_ids?: readonly string[] | undefined;
  tag?: string | undefined;
}

export interface DocumentFilter {
  project_id?: string | undefined;
  /** Only documents of these projects: a project-limited token's reads (docs/access.md). */
  project_ids?: readonly string[] | undefined;
  document_type?: string | undefined;
}

export interface ExecutionFilter {
  task_id?: string | undefined;
  status?: Execution['status'] | undefined;
  role?: string | undefined;
  /** Only executions of tasks of these projects: a project-limited token's reads (docs/access.md). */
  project_ids?: readonly string[] | undefined;
}

/** An execution as exported: the lease is not part of the export format. */
export type ExecutionRecord = Omit<Execution, 'lease_expires_at'>;

export interface WriteGuard {
  /** Refuse with `conflict` unless the stored version equals this. */
  expectedVersion?: number | undefined;
}

export interface TaskUpdateOptions extends WriteGuard {
  /** Close the task's running execution in the same transaction. */
  closeExecution?:
    | { status: 'completed' | 'cancelled'; finished_at: string; notes: string | null }
    | undefined;
}

/** One task change of a batch, prepared by the service as for a single update. */
export interface TaskWrite {
  id: string;
  changes: TaskChanges;
  options: TaskUpdateOptions;
}

/** What one write of a batch did: plain data, so a replayed request re-derives its answer from it. */
export type TaskWriteOutcome =
  | { ok: true; version: number; status: TaskStatus }
  | { ok: false; error: BatchItemError };

/**
 * each: commit the writes that succeed; all: commit only when every write succeeds; check: try every write
 * and commit none (to name every failure of a batch already known to fail).
 */
export type BatchMode = 'each' | 'all' | 'check';

export interface ExecutionClaim {
  execution: Execution;
  /** Cancel a running execution instead of refusing. */
  force: boolean;
  taskChanges: TaskChanges;
}

export type NewProject = Omit<Project, 'task_count' | 'open_task_count'>;
export type ProjectChanges = Partial<
  Pick<Project, 'name' | 'description' | 'tags' | 'updated_at' | 'updated_by'>
>;
export type NoteChanges = Partial<
  Pick<Note, 'title' | 'content' | 'tags' | 'project_id' | 'updated_at' | 'updated_by'>
>;

export interface NewChunk {
  index: number;
  start: number;
  end: number;
  heading_path: string[];
  text: string;
}

export type DocumentSummaryRecord = Omit<Document, 'content' | 'chunks'>;

export interface SearchRequest {
  /** The user's text, never query syntax: the store turns it into a safe expression. */
  text: string;
  types: readonly ('task' | 'project' | 'note' | 'document')[];
  project_id?: string | undefined;
  /** Only entities of these projects: a project-limited token's reads (docs/access.md). */
  project_ids?: readonly string[] | undefined;
  limit: number;
  offset: number;
}

export interface SearchPage {
  results: SearchResult[];
  total: number;
  /** Which plan the query took (docs/operations.md, `bindery_search_duration_seconds`). */
  path: SearchPath;
}

/**
 * empty: no words, nothing searched; rare: one index query under the per-kind bound; common: one index
 * query whose matches reached the bound for some kind (only the newest are ranked); fill: the all-words
 * matches were too few, so a second, any-word query filled the page.
 */
export type SearchPath = 'empty' | 'rare' | 'common' | 'fill';
export const SEARCH_PATHS: readonly SearchPath[] = ['empty', 'rare', 'common', 'fill'];

/** The counts and lists the dashboard is built from, measured at `now`. */
export type DashboardCounts = Omit<Dashboard, 'completion_rate' | 'open_tasks'>;

export interface IdempotencyRecord {
  key: string;
  request_hash: string;
  /**
   * The HTTP status of the stored answer; IDEMPOTENCY_PENDING while the claiming request runs;
   * IDEMPOTENCY_COMMITTED once its write committed but before its answer was stored (`body` then holds
   * that write's result, from which the answer is derived again).
   */
  status: number;
  body: string;
  created_at: string;
  /** The server instance that claimed the key (null for claims made before instances were recorded). */
  owner: string | null;
  /** Whether that instance still heartbeats (see idempotencyHeartbeat); set when a claim is refused. */
  owner_alive?: boolean;
}

/** The `status` of a claimed key whose request has not answered yet. */
export const IDEMPOTENCY_PENDING = 0;
/** The `status` of a claimed key whose write committed, in that write's own transaction. */
export const IDEMPOTENCY_COMMITTED = 1;
/** An instance that has not heartbeated for this long is dead: its claims are taken over. */
export const INSTANCE_DEAD_AFTER_S = 6;

/** A request's claim on an Idempotency-Key; `created_at` tells this claim from a later one on the same key. */
export type IdempotencyClaim = Pick<IdempotencyRecord, 'key' | 'request_hash' | 'created_at'> & {
  owner: string;
};

export interface StoreInfo {
  kind: StoreKind;
  /** File path (SQLite) or redacted URL (PostgreSQL). */
  location: string;
  schema_version: number;
  size_bytes: number | null;
}

/** Tasks, projects, executions, idempotency and monitoring. */
export interface CoreStore {
  readonly kind: StoreKind;
  info(): Promise<StoreInfo>;
  /** `SELECT 1` through the real connection; throws when the database does not answer. */
  probe(): Promise<void>;
  metrics(): PoolMetrics;
  configuration(): Record<string, unknown>;
  close(): Promise<void>;

  /** Which of these ids exist (reference checks with a precise error before a write). */
  existing(kind: 'task' | 'project', ids: readonly string[]): Promise<Set<string>>;

  /**
   * Writes a task tree in one transaction and returns its first task as written, read in that transaction:
   * a concurrent delete of its parent may remove it right after, and the create still answers what it did.
   */
  insertTasks(tasks: readonly NewTask[]): Promise<Task>;
  getTask(id: string): Promise<Task | null>;
  getTaskSummaries(ids: readonly string[]): Promise<TaskSummary[]>;
  listTasks(
    filter: TaskFilter,
    page: PageRequest,
    detail: 'summary' | 'full',
  ): Promise<Page<Task | TaskSummary>>;
  listChildren(parentId: string, page: PageRequest): Promise<Page<TaskSummary>>;
  /** How many subtasks each of these tasks has in these projects (absent: none). */
  countChildren(parentIds: readonly string[], projects: readonly string[]): Promise<Map<string, number>>;
  updateTask(id: string, changes: TaskChanges, options?: TaskUpdateOptions): Promise<Task>;
  /**
   * Applies the writes in order in one transaction, each as updateTask would, and answers one outcome per
   * write; `committed` is false when `mode` rolled the transaction back.
   */
  updateTasks(
    writes: readonly TaskWrite[],
    mode: BatchMode,
  ): Promise<{ committed: boolean; outcomes: TaskWriteOutcome[] }>;
  /** Writes a task tree as insertTasks does and answers the ids written, in the order given. */
  insertTaskList(tasks: readonly NewTask[]): Promise<string[]>;
  /**
   * Deletes the task and its subtree; returns how many tasks were removed (0 when it did not exist).
   * `projects`: a subtask outside them is detached (its parent set to null) and kept, with its own subtree.
   */
  deleteTaskTree(id: string, projects?: readonly string[]): Promise<number>;
  /** Starts `claim.execution` (its result also re-derives a replayed answer: see idempotency-scope.ts). */
  claimExecution(
    taskId: string,
    claim: ExecutionClaim,
    guard?: WriteGuard,
  ): Promise<{ task: Task; execution: Execution; cancelled: Execution | null }>;
  /**
   * The best ready task (next_task's order) and how many others are ready; with `claim`, claims it in the
   * same transaction (null when no ready task is left to claim). `waiting` counts todo tasks that wait on a
   * dependency or subtask, read only when no task is ready.
   */
  nextTask(
    filter: ReadyFilter,
    claim?: (task: Task) => ExecutionClaim,
  ): Promise<{
    task: Task | null;
    ready: number;
    waiting: number;
    claimed: { task: Task; execution: Execution } | null;
  }>;
  /** Marks running executions whose lease ended before `now` expired (their doing tasks back to todo). */
  expireLeases(now: string): Promise<number>;
  /**
   * Extends a running execution's lease; not_found or conflict (naming its status) otherwise. `projects`:
   * an execution of a task outside them answers not_found, as a missing one does.
   */
  heartbeatExecution(
    id: string,
    now: string,
    expiresAt: string,
    projects?: readonly string[],
  ): Promise<Execution>;
  listExecutions(filter: ExecutionFilter, page: PageRequest): Promise<Page<Execution>>;

  insertProject(project: NewProject): Promise<Project>;
  getProject(id: string): Promise<Project | null>;
  listProjects(page: PageRequest): Promise<Page<Project>>;
  updateProject(id: string, changes: ProjectChanges, guard?: WriteGuard): Promise<Project>;
  deleteProject(id: string): Promise<{ detached_tasks: number } | null>;

  /** `projects`: only these projects' entities are counted. */
  dashboardCounts(now: Date, projects?: readonly string[]): Promise<DashboardCounts>;

  /** Claims a key for a request about to run: null when the claim is ours, else the record already there. */
  claimIdempotency(claim: IdempotencyClaim): Promise<IdempotencyRecord | null>;
  /** Makes a pending claim of a dead owner ours; false when it changed meanwhile. */
  takeOverIdempotency(stale: IdempotencyRecord, claim: IdempotencyClaim): Promise<boolean>;
  /** Stores the answer of a claimed key (pending, or committed by its write). */
  completeIdempotency(claim: IdempotencyClaim, status: number, body: string): Promise<void>;
  /** Drops a claim that has no answer and no committed write, so the key can run again. */
  releaseIdempotency(claim: Pick<IdempotencyClaim, 'key' | 'created_at'>): Promise<void>;
  purgeIdempotency(olderThan: string): Promise<number>;
  /** Records that `instance` lives, and purges keys older than `purgeBefore` and long-dead instances. */
  idempotencyHeartbeat(instance: string, purgeBefore: string): Promise<void>;
  /** Removes a closing instance, so its (answered) claims need no wait. */
  retireInstance(instance: string): Promise<void>;
}

/** Notes, indexed documents and full-text search. */
export interface KnowledgeStore {
  insertNote(note: Note): Promise<Note>;
  getNote(id: string): Promise<Note | null>;
  listNotes(filter: NoteFilter, page: PageRequest): Promise<Page<Note>>;
  updateNote(id: string, changes: NoteChanges, guard?: WriteGuard): Promise<Note>;
  deleteNote(id: string): Promise<boolean>;

  findDocumentByHash(contentHash: string): Promise<DocumentSummaryRecord | null>;
  insertDocument(document: Omit<Document, 'chunks'>, chunks: readonly NewChunk[]): Promise<void>;
  getDocument(id: string): Promise<Document | null>;
  listDocuments(filter: DocumentFilter, page: PageRequest): Promise<Page<DocumentSummaryRecord>>;
  deleteDocument(id: string): Promise<boolean>;

  search(request: SearchRequest): Promise<SearchPage>;
}

/** Named tokens (docs/access.md): stored with the SHA-256 of their secret, never the secret. */
export interface TokenStore {
  /** Refuses a taken name with `conflict`. */
  insertToken(token: TokenRecord): Promise<TokenRecord>;
  /** Every token, by name: few enough for a server to keep them all in memory. */
  listTokens(): Promise<TokenRecord[]>;
  /**
   * Deletes a token; false when none has that name. `keepAnAdmin` refuses (conflict) the last admin token
   * that has not expired at `now`.
   */
  deleteToken(name: string, options: { keepAnAdmin: boolean; now: string }): Promise<boolean>;
  touchToken(name: string, at: string): Promise<void>;
}

export interface Store extends CoreStore, KnowledgeStore, ChangeStore, TokenStore {}

/** Kinds of entity lines in an export, in the order they are written and replayed. */
export type TransferRecord =
  | { kind: 'project'; data: NewProject }
  | { kind: 'task'; data: NewTask }
  | { kind: 'execution'; data: ExecutionRecord }
  | { kind: 'note'; data: Note }
  /** Chunks carry their boundaries; their text is `content.slice(start, end)`. */
  | { kind: 'document'; data: Document };

/** What an export holds and an import must end with: one count per entity kind, plus links and chunks. */
export interface TransferCounts {
  project: number;
  task: number;
  dependency: number;
  execution: number;
  note: number;
  document: number;
  chunk: number;
}

/** A task's parent and dependencies, set once the tasks they name are in. */
export interface TaskLink {
  id: string;
  parent_id: string | null;
  depends_on: string[];
}

/** Export and import of every entity, for backups and moving between stores (`bindery export|import`). */
export interface TransferStore {
  countEntities(): Promise<TransferCounts>;
  /**
   * Every entity from one consistent snapshot: the counts first, then projects, tasks, executions, notes
   * and documents, each kind oldest first, so a replay in this order rebuilds the same lists.
   */
  exportEntities(): AsyncGenerator<{ kind: 'counts'; counts: TransferCounts } | TransferRecord>;
  /**
   * Writes records into an empty store in one transaction, keeping ids, timestamps and versions. Links to
   * tasks not imported yet (a parent or dependency created after the task) come back, to be passed to
   * `importLinks` when every task is in.
   */
  importEntities(records: readonly TransferRecord[]): Promise<TaskLink[]>;
  importLinks(links: readonly TaskLink[]): Promise<void>;
  /**
   * After a bulk import: compacts what the batches left fragmented, so imported data searches as fast as
   * data written over time (SQLite: the full-text index's segments merged; PostgreSQL: planner statistics).
   */
  compactAfterImport(): Promise<void>;
}
