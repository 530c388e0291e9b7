import {
  BinderyError,
  type ChangeEntity,
  type Document,
  LeaseSeconds,
  type Note,
  SYSTEM_ACTOR,
  type Task,
} from '../../contract/index.js';
import { runAsActor } from '../actor.js';
import type { ChangeFilter, ChangeRetention } from '../change-log.js';
import type {
  BatchMode,
  DocumentFilter,
  ExecutionClaim,
  ExecutionFilter,
  NewChunk,
  NewProject,
  NewTask,
  NoteChanges,
  NoteFilter,
  PageRequest,
  ProjectChanges,
  ReadyFilter,
  TaskChanges,
  TaskFilter,
  TaskUpdateOptions,
  TaskWrite,
  TaskWriteOutcome,
  WriteGuard,
} from '../types.js';
import { ChangeCore } from './changes.js';
import { DashboardCore } from './dashboard.js';
import type { Dialect, Executor } from './dialect.js';
import { DocumentCore } from './documents.js';
import { ExecutionCore } from './executions.js';
import { NoteCore } from './notes.js';
import { ProjectCore } from './projects.js';
import { TaskCore } from './tasks.js';
import { TokenCore, type TokenRecord } from './tokens.js';

/** The shortest lease a claim or heartbeat may ask for. */
const MIN_LEASE_MS = (LeaseSeconds.minValue ?? 0) * 1000;

export interface EntityCores {
  tasks: TaskCore;
  projects: ProjectCore;
  notes: NoteCore;
  documents: DocumentCore;
}

/**
 * The entity operations of the Store interface, written once: each picks how it runs (one session, a
 * read snapshot or a write transaction) and hands the executor to the entity core. A store class extends
 * this with its dialect and runner and adds what is its own (monitoring, search, idempotency, transfer).
 */
export abstract class StoreCore {
  protected readonly tasks: TaskCore;
  protected readonly projects: ProjectCore;
  protected readonly notes: NoteCore;
  protected readonly documents: DocumentCore;
  protected readonly dashboard: DashboardCore;
  protected readonly changes: ChangeCore;
  protected readonly tokens: TokenCore;
  protected readonly executions: ExecutionCore;
  /** No running lease ends before this time (ISO); see expireLeases. */
  private noLeaseEndsBefore = '';

  protected constructor(dialect: Dialect) {
    this.tasks = new TaskCore(dialect);
    this.projects = new ProjectCore(dialect);
    this.notes = new NoteCore(dialect);
    this.documents = new DocumentCore(dialect);
    this.dashboard = new DashboardCore(dialect, this.tasks);
    this.changes = new ChangeCore(dialect);
    this.tokens = new TokenCore(dialect);
    this.executions = new ExecutionCore(dialect);
  }

  /** The entity cores, for a store's own parts that write entities too (import). */
  protected cores(): EntityCores {
    return { tasks: this.tasks, projects: this.projects, notes: this.notes, documents: this.documents };
  }

  /** One connection, no transaction: a single statement, or reads that need no common snapshot. */
  protected abstract session<T>(fn: (x: Executor) => Promise<T>): Promise<T>;
  /** A read-only snapshot: the statements of one read see the same committed state. */
  protected abstract read<T>(fn: (x: Executor) => Promise<T>): Promise<T>;
  /** A write transaction: all or nothing. */
  protected abstract write<T>(fn: (x: Executor) => Promise<T>): Promise<T>;

  /** One statement (ChangeCore.after): no snapshot transaction needed around it. */
  changesAfter(since: number, filter: ChangeFilter, limit: number) {
    return this.session((x) => this.changes.after(x, since, filter, limit));
  }

  history(entity: ChangeEntity, id: string, page: { limit: number; before?: number | undefined }) {
    return this.read((x) => this.changes.history(x, entity, id, page));
  }

  pruneChanges(retention: ChangeRetention, batch: number) {
    return this.write((x) => this.changes.prune(x, retention, batch));
  }

  insertToken(token: TokenRecord) {
    return this.write((x) => this.tokens.insert(x, token));
  }

  /** One statement (every server reads it every TOKEN_CACHE_MS): no snapshot transaction needed around it. */
  listTokens() {
    return this.session((x) => this.tokens.list(x));
  }

  deleteToken(name: string, options: { keepAnAdmin: boolean; now: string }) {
    return this.write((x) => this.tokens.delete(x, name, options.keepAnAdmin, options.now));
  }

  touchToken(name: string, at: string) {
    return this.write((x) => this.tokens.touch(x, name, at));
  }

  existing(kind: 'task' | 'project', ids: readonly string[]) {
    // A create that names no task or project asks about none: no connection to take for that.
    if (ids.length === 0) return Promise.resolve(new Set<string>());
    return this.session((x) => this.tasks.existing(x, kind === 'task' ? 'tasks' : 'projects', ids));
  }

  insertTasks(tasks: readonly NewTask[]) {
    return this.write(async (x) => {
      await this.tasks.insert(x, tasks);
      return (await this.tasks.get(x, tasks[0]!.id))!;
    });
  }

  getTask(id: string) {
    return this.session((x) => this.tasks.get(x, id));
  }

  getTaskSummaries(ids: readonly string[]) {
    return this.session((x) => this.tasks.summaries(x, ids));
  }

  listTasks(filter: TaskFilter, page: PageRequest, detail: 'summary' | 'full') {
    return this.read((x) => this.tasks.list(x, filter, page, detail));
  }

  listChildren(parentId: string, page: PageRequest) {
    return this.read((x) => this.tasks.children(x, parentId, page));
  }

  countChildren(parentIds: readonly string[], projects: readonly string[]) {
    return this.read((x) => this.tasks.countChildren(x, parentIds, projects));
  }

  updateTask(id: string, changes: TaskChanges, options?: TaskUpdateOptions) {
    return this.write((x) => this.tasks.update(x, id, changes, options));
  }

  async updateTasks(writes: readonly TaskWrite[], mode: BatchMode) {
    try {
      const outcomes = await this.write(async (x) => {
        const done = await this.tasks.updateEach(x, writes);
        if (mode === 'check' || (mode === 'all' && done.some((o) => !o.ok))) throw new RolledBack(done);
        return done;
      });
      return { committed: true, outcomes };
    } catch (error) {
      if (error instanceof RolledBack) return { committed: false, outcomes: error.outcomes };
      throw error;
    }
  }

  insertTaskList(tasks: readonly NewTask[]) {
    return this.write(async (x) => {
      await this.tasks.insert(x, tasks);
      return tasks.map((task) => task.id);
    });
  }

  deleteTaskTree(id: string, projects?: readonly string[]) {
    return this.write((x) => this.tasks.deleteTree(x, id, projects));
  }

  claimExecution(taskId: string, claim: ExecutionClaim, guard?: WriteGuard) {
    return this.write((x) => this.tasks.claimExecution(x, taskId, claim, guard));
  }

  /** The choice and the claim in one write transaction, so two callers never get the same task. */
  nextTask(filter: ReadyFilter, claim?: (task: Task) => ExecutionClaim) {
    // Without a claim the answer is one statement: no transaction needed around it.
    const run = claim ? this.write.bind(this) : this.session.bind(this);
    return run(async (x) => {
      const { task, ready, waiting } = await this.tasks.next(x, filter, claim !== undefined);
      if (!task) return { task: null, ready, waiting, claimed: null };
      if (!claim) return { task, ready, waiting, claimed: null };
      const claimed = await this.tasks.claimExecution(x, task.id, claim(task));
      return { task: claimed.task, ready, waiting, claimed };
    });
  }

  /**
   * A cheap probe first: the write (as `system`) runs only when some lease has ended. The probe learns when
   * the first lease ends; a lease started or renewed later (on any server) lasts at least the shortest
   * lease, so until the earlier of the two no lease can have ended and reads skip the probe.
   */
  async expireLeases(now: string) {
    if (now < this.noLeaseEndsBefore) return 0;
    const earliest = await this.session((x) => this.executions.earliestLease(x));
    if (earliest === undefined || earliest > now) {
      const shortest = new Date(Date.parse(now) + MIN_LEASE_MS).toISOString();
      this.noLeaseEndsBefore = earliest !== undefined && earliest < shortest ? earliest : shortest;
      return 0;
    }
    return runAsActor(SYSTEM_ACTOR, () => this.write((x) => this.executions.expire(x, now, SYSTEM_ACTOR)));
  }

  heartbeatExecution(id: string, now: string, expiresAt: string, projects?: readonly string[]) {
    return this.write((x) => this.executions.heartbeat(x, id, now, expiresAt, projects));
  }

  listExecutions(filter: ExecutionFilter, page: PageRequest) {
    return this.read((x) => this.executions.list(x, filter, page));
  }

  insertProject(project: NewProject) {
    return this.write((x) => this.projects.insert(x, project));
  }

  getProject(id: string) {
    return this.session((x) => this.projects.get(x, id));
  }

  listProjects(page: PageRequest) {
    return this.read((x) => this.projects.list(x, page));
  }

  updateProject(id: string, changes: ProjectChanges, guard?: WriteGuard) {
    return this.write((x) => this.projects.update(x, id, changes, guard));
  }

  deleteProject(id: string) {
    return this.write((x) => this.projects.delete(x, id));
  }

  dashboardCounts(now: Date, projects?: readonly string[]) {
    return this.read((x) => this.dashboard.counts(x, now, projects));
  }

  insertNote(note: Note) {
    return this.write((x) => this.notes.insert(x, note));
  }

  getNote(id: string) {
    return this.session((x) => this.notes.get(x, id));
  }

  listNotes(filter: NoteFilter, page: PageRequest) {
    return this.read((x) => this.notes.list(x, filter, page));
  }

  updateNote(id: string, changes: NoteChanges, guard?: WriteGuard) {
    return this.write((x) => this.notes.update(x, id, changes, guard));
  }

  deleteNote(id: string) {
    return this.write((x) => this.notes.delete(x, id));
  }

  findDocumentByHash(contentHash: string) {
    return this.session((x) => this.documents.findByHash(x, contentHash));
  }

  insertDocument(document: Omit<Document, 'chunks'>, chunks: readonly NewChunk[]) {
    return this.write((x) => this.documents.insert(x, document, chunks));
  }

  getDocument(id: string) {
    return this.read((x) => this.documents.get(x, id));
  }

  listDocuments(filter: DocumentFilter, page: PageRequest) {
    return this.read((x) => this.documents.list(x, filter, page));
  }

  deleteDocument(id: string) {
    return this.write((x) => this.documents.delete(x, id));
  }
}

/**
 * Unwinds a batch's transaction while keeping its outcomes. A BinderyError, so the runners pass it through
 * untranslated and count no database failure.
 */
class RolledBack extends BinderyError {
  constructor(readonly outcomes: TaskWriteOutcome[]) {
    super('conflict', 'The batch was rolled back.');
  }
}
