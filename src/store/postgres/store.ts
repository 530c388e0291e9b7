import type { Document, Note } from '../../contract/index.js';
import type {
  ExecutionClaim,
  IdempotencyClaim,
  IdempotencyRecord,
  NewChunk,
  NewProject,
  NewTask,
  NoteChanges,
  PageRequest,
  ProjectChanges,
  SearchRequest,
  Store,
  StoreInfo,
  TaskChanges,
  TaskFilter,
  TaskLink,
  TaskUpdateOptions,
  TransferRecord,
  TransferStore,
  WriteGuard,
} from '../types.js';
import { dashboardCounts } from './dashboard.js';
import { PG_POOL, PgDatabase } from './database.js';
import { type DocumentFilter, pgDocuments } from './documents.js';
import { pgIdempotency } from './idempotency.js';
import { redactUrl } from './location.js';
import { migrate, schemaVersion } from './migrate.js';
import { PG_MIGRATIONS } from './migrations.js';
import { type NoteFilter, pgNotes } from './notes.js';
import { pgProjects } from './projects.js';
import { search } from './search.js';
import { pgTasks } from './tasks.js';
import * as transfer from './transfer.js';

/**
 * The scale-out store: several Bindery servers may share one database. Every write is one READ COMMITTED
 * transaction whose row locks (and, for parent/dependency changes, one advisory lock) keep the integrity
 * rules true across servers; reads that take more than one statement use a REPEATABLE READ snapshot.
 */
export class PostgresStore implements Store, TransferStore {
  readonly kind = 'postgres' as const;

  private constructor(private readonly db: PgDatabase) {}

  /** Connects, migrates (safe when several servers start at once) and warms the pool. */
  static async open(url: string): Promise<PostgresStore> {
    const db = new PgDatabase(url);
    try {
      await migrate(db, PG_MIGRATIONS);
      await db.warm();
    } catch (error) {
      await db.close();
      throw error;
    }
    return new PostgresStore(db);
  }

  async info(): Promise<StoreInfo> {
    return this.db.session(async (s) => ({
      kind: 'postgres' as const,
      location: redactUrl(this.db.url),
      schema_version: await schemaVersion(s),
      size_bytes:
        (await s.value<number>(
          `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
           WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'`,
        )) ?? null,
    }));
  }

  async probe(): Promise<void> {
    await this.db.session((s) => s.rows('SELECT 1'));
  }

  metrics() {
    return this.db.metrics();
  }

  configuration(): Record<string, unknown> {
    return {
      store: 'postgres',
      url: redactUrl(this.db.url),
      pool: {
        max: PG_POOL.max,
        min: PG_POOL.min,
        acquire_timeout_ms: PG_POOL.connectionTimeoutMillis,
        idle_timeout_ms: PG_POOL.idleTimeoutMillis,
        statement_timeout_ms: PG_POOL.statement_timeout,
      },
      isolation: 'read committed with row locks; repeatable read snapshots for multi-statement reads',
    };
  }

  close(): Promise<void> {
    return this.db.close();
  }

  existing(kind: 'task' | 'project', ids: readonly string[]) {
    return this.db.session((s) => pgTasks.existing(s, kind === 'task' ? 'tasks' : 'projects', ids));
  }

  insertTasks(tasks: readonly NewTask[]) {
    return this.db.write(async (s) => {
      await pgTasks.insert(s, tasks);
      return (await pgTasks.get(s, tasks[0]!.id))!;
    });
  }

  getTask(id: string) {
    return this.db.session((s) => pgTasks.get(s, id));
  }

  getTaskSummaries(ids: readonly string[]) {
    return this.db.session((s) => pgTasks.summaries(s, ids));
  }

  listTasks(filter: TaskFilter, page: PageRequest, detail: 'summary' | 'full') {
    return this.db.read((s) => pgTasks.list(s, filter, page, detail));
  }

  listChildren(parentId: string, page: PageRequest) {
    return this.db.read((s) => pgTasks.children(s, parentId, page));
  }

  updateTask(id: string, changes: TaskChanges, options?: TaskUpdateOptions) {
    return this.db.write((s) => pgTasks.update(s, id, changes, options));
  }

  deleteTaskTree(id: string) {
    return this.db.write((s) => pgTasks.deleteTree(s, id));
  }

  claimExecution(taskId: string, claim: ExecutionClaim, guard?: WriteGuard) {
    return this.db.write((s) => pgTasks.claimExecution(s, taskId, claim, guard));
  }

  insertProject(project: NewProject) {
    return this.db.write((s) => pgProjects.insert(s, project));
  }

  getProject(id: string) {
    return this.db.session((s) => pgProjects.get(s, id));
  }

  listProjects(page: PageRequest) {
    return this.db.read((s) => pgProjects.list(s, page));
  }

  updateProject(id: string, changes: ProjectChanges, guard?: WriteGuard) {
    return this.db.write((s) => pgProjects.update(s, id, changes, guard));
  }

  deleteProject(id: string) {
    return this.db.write((s) => pgProjects.delete(s, id));
  }

  dashboardCounts(now: Date) {
    return this.db.read((s) => dashboardCounts(s, now));
  }

  claimIdempotency(claim: IdempotencyClaim) {
    return this.db.session((s) => pgIdempotency.claim(s, claim));
  }

  async completeIdempotency(claim: IdempotencyClaim, status: number, body: string) {
    await this.db.session((s) => pgIdempotency.complete(s, claim, status, body));
  }

  async releaseIdempotency(claim: Pick<IdempotencyClaim, 'key' | 'created_at'>) {
    await this.db.session((s) => pgIdempotency.release(s, claim));
  }

  purgeIdempotency(olderThan: string) {
    return this.db.session((s) => pgIdempotency.purge(s, olderThan));
  }

  takeOverIdempotency(stale: IdempotencyRecord, claim: IdempotencyClaim) {
    return this.db.session((s) => pgIdempotency.takeOver(s, stale, claim));
  }

  async idempotencyHeartbeat(instance: string, purgeBefore: string) {
    await this.db.session((s) => pgIdempotency.heartbeat(s, instance, purgeBefore));
  }

  async retireInstance(instance: string) {
    await this.db.session((s) => pgIdempotency.retire(s, instance));
  }

  insertNote(note: Note) {
    return this.db.write((s) => pgNotes.insert(s, note));
  }

  getNote(id: string) {
    return this.db.session((s) => pgNotes.get(s, id));
  }

  listNotes(filter: NoteFilter, page: PageRequest) {
    return this.db.read((s) => pgNotes.list(s, filter, page));
  }

  updateNote(id: string, changes: NoteChanges, guard?: WriteGuard) {
    return this.db.write((s) => pgNotes.update(s, id, changes, guard));
  }

  deleteNote(id: string) {
    return this.db.write((s) => pgNotes.delete(s, id));
  }

  findDocumentByHash(contentHash: string) {
    return this.db.session((s) => pgDocuments.findByHash(s, contentHash));
  }

  insertDocument(document: Omit<Document, 'chunks'>, chunks: readonly NewChunk[]) {
    return this.db.write((s) => pgDocuments.insert(s, document, chunks));
  }

  getDocument(id: string) {
    return this.db.read((s) => pgDocuments.get(s, id));
  }

  listDocuments(filter: DocumentFilter, page: PageRequest) {
    return this.db.read((s) => pgDocuments.list(s, filter, page));
  }

  deleteDocument(id: string) {
    return this.db.write((s) => pgDocuments.delete(s, id));
  }

  search(request: SearchRequest) {
    return this.db.session((s) => search(s, request));
  }

  countEntities() {
    return this.db.read(transfer.countEntities);
  }

  exportEntities() {
    return this.db.snapshot(transfer.exportEntities);
  }

  importEntities(records: readonly TransferRecord[]) {
    return this.db.write((s) => transfer.importEntities(s, records));
  }

  importLinks(links: readonly TaskLink[]) {
    return this.db.write((s) => transfer.importLinks(s, links));
  }

  /** Fresh statistics, so the planner does not treat just-filled tables as empty until autovacuum runs. */
  async compactAfterImport() {
    await this.db.session((s) =>
      s.run('ANALYZE projects, tasks, task_dependencies, executions, notes, documents, document_chunks'),
    );
  }
}
