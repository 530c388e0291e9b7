import { statSync } from 'node:fs';
import type {
  CoreStore,
  ExecutionClaim,
  IdempotencyRecord,
  NewProject,
  NewTask,
  PageRequest,
  ProjectChanges,
  StoreInfo,
  TaskChanges,
  TaskFilter,
  TaskUpdateOptions,
  WriteGuard,
} from '../types.js';
import { dashboardCounts } from './dashboard.js';
import { SQLITE_PRAGMAS, SqliteDatabase } from './database.js';
import { SqliteIdempotency } from './idempotency.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteProjects } from './projects.js';
import { SqliteTasks } from './tasks.js';

/**
 * The embedded default store. Methods are async to match the Store interface, but each runs
 * synchronously on the single connection, so one operation is also one uninterrupted transaction.
 */
export class SqliteStore implements CoreStore {
  readonly kind = 'sqlite' as const;
  protected readonly db: SqliteDatabase;
  private readonly tasks: SqliteTasks;
  private readonly projects: SqliteProjects;
  private readonly idempotency: SqliteIdempotency;

  constructor(path: string) {
    this.db = new SqliteDatabase(path, MIGRATIONS);
    this.tasks = new SqliteTasks(this.db);
    this.projects = new SqliteProjects(this.db);
    this.idempotency = new SqliteIdempotency(this.db);
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
    this.db.run(() => this.tasks.insert(tasks), true);
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

  async getIdempotency(key: string) {
    return this.db.run(() => this.idempotency.get(key));
  }

  async putIdempotency(record: IdempotencyRecord) {
    return this.db.run(() => this.idempotency.put(record), true);
  }

  async purgeIdempotency(olderThan: string) {
    return this.db.run(() => this.idempotency.purge(olderThan), true);
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
