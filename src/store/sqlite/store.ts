import { statSync } from 'node:fs';
import type { Document, Note } from '../../contract/index.js';
import type {
  ExecutionClaim,
  IdempotencyClaim,
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
import { SQLITE_PRAGMAS, SqliteDatabase } from './database.js';
import { type DocumentFilter, SqliteDocuments } from './documents.js';
import { SqliteIdempotency } from './idempotency.js';
import { MIGRATIONS } from './migrations.js';
import { type NoteFilter, SqliteNotes } from './notes.js';
import { SqliteProjects } from './projects.js';
import { SqliteSearch } from './search.js';
import { SqliteTasks } from './tasks.js';
import { SqliteTransfer } from './transfer.js';

/**
 * The embedded default store. Methods are async to match the Store interface, but each runs
 * synchronously on the single connection, so one operation is also one uninterrupted transaction.
 */
export class SqliteStore implements Store, TransferStore {
  readonly kind = 'sqlite' as const;
  protected readonly db: SqliteDatabase;
  private readonly tasks: SqliteTasks;
  private readonly projects: SqliteProjects;
  private readonly idempotency: SqliteIdempotency;
  private readonly notes: SqliteNotes;
  private readonly documents: SqliteDocuments;
  private readonly searcher: SqliteSearch;
  private readonly transfer: SqliteTransfer;

  constructor(path: string) {
    this.db = new SqliteDatabase(path, MIGRATIONS);
    this.tasks = new SqliteTasks(this.db);
    this.projects = new SqliteProjects(this.db);
    this.idempotency = new SqliteIdempotency(this.db);
    this.notes = new SqliteNotes(this.db);
    this.documents = new SqliteDocuments(this.db);
    this.searcher = new SqliteSearch(this.db);
    this.transfer = new SqliteTransfer(this.db);
  }

  async info(): Promise<StoreInfo> {
    const size =
      this.db.path === ':memory:' ? null : fileSize(this.db.path) + fileSize(`${this.db.path}-wal`);
    return {
      kind: 'sqlite',
      location: this.db.path,
      schema_version: this.db.schemaVersion(),
      size_bytes: size,
    };
  }

  async probe(): Promise<void> {
    this.db.run(() => this.db.stmt('SELECT 1').get());
  }

  metrics() {
    return this.db.metrics();
  }

  configuration(): Record<string, unknown> {
    return { store: 'sqlite', path: this.db.path, connections: 1, pragmas: SQLITE_PRAGMAS };
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async existing(kind: 'task' | 'project', ids: readonly string[]) {
    return this.db.run(() => this.tasks.existing(kind === 'task' ? 'tasks' : 'projects', ids));
  }

  async insertTasks(tasks: readonly NewTask[]) {
    return this.db.run(() => {
      this.tasks.insert(tasks);
      return this.tasks.get(tasks[0]!.id)!;
    }, true);
  }

  async getTask(id: string) {
    return this.db.run(() => this.tasks.get(id));
  }

  async getTaskSummaries(ids: readonly string[]) {
    return this.db.run(() => this.tasks.summaries(ids));
  }

  async listTasks(filter: TaskFilter, page: PageRequest, detail: 'summary' | 'full') {
    return this.db.run(() => this.tasks.list(filter, page, detail));
  }

  async listChildren(parentId: string, page: PageRequest) {
    return this.db.run(() => this.tasks.children(parentId, page));
  }

  async updateTask(id: string, changes: TaskChanges, options?: TaskUpdateOptions) {
    return this.db.run(() => this.tasks.update(id, changes, options), true);
  }

  async deleteTaskTree(id: string) {
    return this.db.run(() => this.tasks.deleteTree(id), true);
  }

  async claimExecution(taskId: string, claim: ExecutionClaim, guard?: WriteGuard) {
    return this.db.run(() => this.tasks.claimExecution(taskId, claim, guard), true);
  }

  async insertProject(project: NewProject) {
    return this.db.run(() => this.projects.insert(project), true);
  }

  async getProject(id: string) {
    return this.db.run(() => this.projects.get(id));
  }

  async listProjects(page: PageRequest) {
    return this.db.run(() => this.projects.list(page));
  }

  async updateProject(id: string, changes: ProjectChanges, guard?: WriteGuard) {
    return this.db.run(() => this.projects.update(id, changes, guard), true);
  }

  async deleteProject(id: string) {
    return this.db.run(() => this.projects.delete(id), true);
  }

  async dashboardCounts(now: Date) {
    return this.db.run(() => dashboardCounts(this.db, this.tasks, now));
  }

  async claimIdempotency(claim: IdempotencyClaim) {
    return this.db.run(() => this.idempotency.claim(claim), true);
  }

  async completeIdempotency(claim: IdempotencyClaim, status: number, body: string) {
    return this.db.run(() => this.idempotency.complete(claim, status, body), true);
  }

  async releaseIdempotency(claim: Pick<IdempotencyClaim, 'key' | 'created_at'>) {
    return this.db.run(() => this.idempotency.release(claim), true);
  }

  async purgeIdempotency(olderThan: string) {
    return this.db.run(() => this.idempotency.purge(olderThan), true);
  }

  async insertNote(note: Note) {
    return this.db.run(() => this.notes.insert(note), true);
  }

  async getNote(id: string) {
    return this.db.run(() => this.notes.get(id));
  }

  async listNotes(filter: NoteFilter, page: PageRequest) {
    return this.db.run(() => this.notes.list(filter, page));
  }

  async updateNote(id: string, changes: NoteChanges, guard?: WriteGuard) {
    return this.db.run(() => this.notes.update(id, changes, guard), true);
  }

  async deleteNote(id: string) {
    return this.db.run(() => this.notes.delete(id), true);
  }

  async findDocumentByHash(contentHash: string) {
    return this.db.run(() => this.documents.findByHash(contentHash));
  }

  async insertDocument(document: Omit<Document, 'chunks'>, chunks: readonly NewChunk[]) {
    this.db.run(() => this.documents.insert(document, chunks), true);
  }

  async getDocument(id: string) {
    return this.db.run(() => this.documents.get(id));
  }

  async listDocuments(filter: DocumentFilter, page: PageRequest) {
    return this.db.run(() => this.documents.list(filter, page));
  }

  async deleteDocument(id: string) {
    return this.db.run(() => this.documents.delete(id), true);
  }

  async search(request: SearchRequest) {
    return this.searcher.search(request);
  }

  async countEntities() {
    return this.db.run(() => this.transfer.counts());
  }

  /** Holds a read transaction on the connection until the iteration ends: one snapshot for the export. */
  async *exportEntities() {
    this.db.raw.exec('BEGIN');
    try {
      yield* this.transfer.entities();
    } finally {
      this.db.raw.exec('COMMIT');
    }
  }

  async importEntities(records: readonly TransferRecord[]) {
    return this.db.run(() => this.transfer.import(records), true);
  }

  async importLinks(links: readonly TaskLink[]) {
    this.db.run(() => this.transfer.links(links), true);
  }

  /**
   * Each import batch leaves its own full-text segment, and a lookup probes every segment: merged into one,
   * a rare-word search over 300k imported tasks went from 1.7 to 0.7 ms (BENCHMARKS.md §3). ~2 s per 300k.
   */
  async compactAfterImport() {
    this.db.run(
      () => this.db.stmt("INSERT INTO search_index (search_index) VALUES ('optimize')").run(),
      true,
    );
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
