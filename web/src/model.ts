/**
 * What the board knows: every task of the workspace (loaded once, then kept current from the change feed),
 * the projects, the feed's state, and the filters, which live in the URL so a view can be shared and the
 * back button works. The board as an MCP App runs the same model on another BoardHost (mcp-app.tsx).
 */
import { useEffect, useState } from 'preact/hooks';
import type { Change } from '../../src/contract/change.js';
import type { Project } from '../../src/contract/project.js';
import type { Execution } from '../../src/contract/role.js';
import type { Task, TaskPriority, TaskStatus } from '../../src/contract/task.js';
import { ApiError, call, callMany, onUnauthorized } from './api.js';
import { type FeedState, openFeed } from './feed.js';

export const STATUSES: readonly TaskStatus[] = ['todo', 'doing', 'review', 'done', 'blocked', 'cancelled'];
export const PRIORITIES: readonly TaskPriority[] = ['urgent', 'high', 'normal', 'low'];
const PRIORITY_RANK: Record<TaskPriority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
/** How long a card changed by someone else stays highlighted. */
export const FLASH_MS = 2000;
const PAGE = 500;
/** Task reads per JSON-RPC batch (the server's default BINDERY_RPC_MAX_BATCH is 100). */
const BATCH = 100;

export type View = 'board' | 'search' | 'dashboard';

export interface Filters {
  view: View;
  project: string;
  tag: string;
  role: string;
  priority: string;
  q: string;
  /** Show the cancelled column. */
  cancelled: boolean;
  /** The task open in the drawer. */
  task: string;
  /** The search view's query. */
  search: string;
}

export function readFilters(search = location.search): Filters {
  const p = new URLSearchParams(search);
  const view = p.get('view');
  return {
    view: view === 'search' || view === 'dashboard' ? view : 'board',
    project: p.get('project') ?? '',
    tag: p.get('tag') ?? '',
    role: p.get('role') ?? '',
    priority: p.get('priority') ?? '',
    q: p.get('q') ?? '',
    cancelled: p.get('cancelled') === '1',
    task: p.get('task') ?? '',
    search: p.get('search') ?? '',
  };
}

function filtersToSearch(filters: Filters): string {
  const p = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (key === 'view' && value === 'board') continue;
    if (value === true) p.set(key, '1');
    else if (typeof value === 'string' && value !== '') p.set(key, value);
  }
  const text = p.toString();
  return text ? `?${text}` : location.pathname;
}

export interface Conflict {
  /** The task as the person saw it when they started the edit. */
  base: Task;
  /** The task as it is now. */
  current: Task;
  /** The fields the person changed. */
  patch: Partial<Task>;
}

type Listener = () => void;

/**
 * What differs between the web page and the MCP App: where the filters are kept and how changes arrive.
 * `follow` starts following changes and loads the data when it is ready; `retry` reconnects at once.
 */
export interface BoardHost {
  keepFilters(filters: Filters, replace: boolean): void;
  follow(model: BoardModel): { retry(): void };
}

/** The web page: filters in the address bar, changes from the feed (`GET /api/events`). */
export const webHost: BoardHost = {
  keepFilters(filters, replace) {
    const url = filtersToSearch(filters);
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
  },
  follow(model) {
    addEventListener('popstate', () => {
      model.filters = readFilters();
      model.notify();
    });
    return openFeed({
      ready: (seq, first) => {
        model.seq = seq;
        if (first || !model.loaded) void model.reload();
      },
      change: (change) => model.onChange(change),
      reset: () => void model.reload(),
      state: (state) => model.setFeedState(state),
    });
  },
};

export class BoardModel {
  tasks = new Map<string, Task>();
  projects: Project[] = [];
  loaded = false;
  feedState: FeedState = 'connecting';
  needToken = false;
  error = '';
  filters = readFilters();
  /** Task id → when a change by someone else arrived. */
  flash = new Map<string, number>();
  recent: Change[] = [];
  conflict: Conflict | null = null;
  /** Bumped on every change so components re-render. */
  revision = 0;
  /** The last full load: how long it took, how many tasks, when the data was in (for the benchmark). */
  timings = { loadMs: 0, tasks: 0, readyAt: 0 };
  seq = 0;
  /** Task id → its running execution, for the cards' running badges. */
  running = new Map<string, Execution>();
  /** Bumped on every execution change, so an open drawer reads the task's executions again. */
  executionRevision = 0;
  private runningTimer: ReturnType<typeof setTimeout> | undefined;
  private leaseTimer: ReturnType<typeof setTimeout> | undefined;
  private listeners = new Set<Listener>();
  private host: BoardHost = webHost;
  private feed: { retry(): void } | undefined;
  private pending = new Set<string>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private loading: Promise<boolean> | undefined;
  private ownWrites = new Set<string>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    this.revision++;
    for (const listener of this.listeners) listener();
  }

  start(host: BoardHost = webHost): void {
    this.host = host;
    onUnauthorized(() => {
      this.needToken = true;
      this.notify();
    });
    this.feed = host.follow(this);
  }

  setFeedState(state: FeedState): void {
    this.feedState = state;
    this.notify();
  }

  setFilters(patch: Partial<Filters>, replace = false): void {
    this.filters = { ...this.filters, ...patch };
    this.host.keepFilters(this.filters, replace);
    this.notify();
  }

  giveToken(): void {
    this.needToken = false;
    this.feed?.retry();
    void this.reload();
  }

  /** Everything again: the first load, after a reset, after the token was given; false when it failed. */
  reload(): Promise<boolean> {
    this.loading ??= this.loadAll().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async loadAll(): Promise<boolean> {
    const started = performance.now();
    let loaded = false;
    try {
      const tasks = new Map<string, Task>();
      let cursor: string | undefined;
      do {
        const page = await call('list_tasks', { detail: 'full', limit: PAGE, cursor });
        for (const task of page.items as Task[]) tasks.set(task.id, task);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      const projects = await call('list_projects', { limit: PAGE });
      const running = await this.loadRunning();
      if (this.loaded) this.flashChanged(tasks);
      this.tasks = tasks;
      this.projects = projects.items;
      this.setRunning(running);
      this.loaded = true;
      this.error = '';
      this.timings = { loadMs: performance.now() - started, tasks: tasks.size, readyAt: performance.now() };
      loaded = true;
    } catch (error) {
      this.fail(error);
    }
    this.notify();
    return loaded;
  }

  /** A reload's tasks that someone else created or changed since the last read are highlighted. */
  private flashChanged(tasks: Map<string, Task>): void {
    let flashed = false;
    for (const [id, task] of tasks) {
      const known = this.tasks.get(id);
      if (known && known.version >= task.version) continue;
      if (this.ownWrites.delete(`${id}@${task.version}`)) continue;
      this.flash.set(id, Date.now());
      flashed = true;
    }
    if (flashed) setTimeout(() => this.notify(), FLASH_MS + 50);
  }

  dismissError(): void {
    this.error = '';
    this.notify();
  }

  fail(error: unknown): void {
    if (error instanceof ApiError && error.code === 'unauthorized') this.needToken = true;
    else this.error = error instanceof Error ? error.message : String(error);
    this.notify();
  }

  onChange(change: Change): void {
    this.seq = change.seq;
    this.recent = [change, ...this.recent].slice(0, 20);
    if (change.entity === 'project') void this.reloadProjects();
    // An execution started, ended or expired; or a task changed status or went (its execution with it).
    if (
      change.entity === 'execution' ||
      (change.entity === 'task' && (change.to || change.op === 'deleted'))
    ) {
      if (change.entity === 'execution') this.executionRevision++;
      this.runningTimer ??= setTimeout(() => void this.refreshRunning(), 50);
    }
    if (change.entity === 'task' && change.op !== 'deleted') {
      this.pending.add(change.id);
      this.flushTimer ??= setTimeout(() => void this.flush(), 30);
      return;
    }
    if (change.entity === 'task') this.tasks.delete(change.id);
    this.notify();
  }

  /** Every running execution, all pages. */
  private async loadRunning(): Promise<Map<string, Execution>> {
    const running = new Map<string, Execution>();
    let cursor: string | undefined;
    do {
      const page = await call('list_executions', { status: 'running', limit: PAGE, cursor });
      for (const execution of page.items) running.set(execution.task_id, execution);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return running;
  }

  private async refreshRunning(): Promise<void> {
    this.runningTimer = undefined;
    try {
      this.setRunning(await this.loadRunning());
      this.notify();
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Keeps the running executions, and reads them again just after the first shown lease ends: a heartbeat
   * extends a lease without a change in the feed, so only a read tells a renewed lease from an expired one.
   */
  private setRunning(running: Map<string, Execution>): void {
    this.running = running;
    clearTimeout(this.leaseTimer);
    const ends = [...running.values()].flatMap((e) =>
      e.lease_expires_at ? [Date.parse(e.lease_expires_at)] : [],
    );
    if (ends.length === 0) return;
    // Already past by this clock (a browser ahead of the server): ask at the server's sweep pace, no faster.
    const left = Math.min(...ends) - Date.now();
    const wait = left > 0 ? left + 1000 : 5000;
    this.leaseTimer = setTimeout(() => {
      this.executionRevision++; // an open drawer reads its executions again too
      void this.refreshRunning();
    }, wait);
  }

  private async reloadProjects(): Promise<void> {
    try {
      this.projects = (await call('list_projects', { limit: PAGE })).items;
      this.notify();
    } catch (error) {
      this.fail(error);
    }
  }

  /** Reads the tasks named by changes since the last flush, a batch at a time. */
  private async flush(): Promise<void> {
    this.flushTimer = undefined;
    const ids = [...this.pending];
    this.pending.clear();
    try {
      for (let i = 0; i < ids.length; i += BATCH) {
        const slice = ids.slice(i, i + BATCH);
        const answers = await callMany(
          'get_task',
          slice.map((task_id) => ({ task_id })),
        );
        answers.forEach((answer, index) => {
          const id = slice[index]!;
          if (answer instanceof ApiError) {
            if (answer.code === 'not_found') this.tasks.delete(id);
            return;
          }
          const known = this.tasks.get(id);
          if (known && known.version >= answer.version) return;
          this.tasks.set(id, answer);
          if (this.ownWrites.delete(`${id}@${answer.version}`)) return;
          this.flash.set(id, Date.now());
        });
      }
      setTimeout(() => this.notify(), FLASH_MS + 50);
    } catch (error) {
      this.fail(error);
    }
    this.notify();
  }

  /** A task written by this page: kept at once, and not highlighted when its change comes back. */
  private keep(task: Task): void {
    const known = this.tasks.get(task.id);
    if (!known || known.version < task.version) this.tasks.set(task.id, task);
    this.ownWrites.add(`${task.id}@${task.version}`);
    this.notify();
  }

  /**
   * Sends the person's change with the version they saw; a conflict (someone changed the task meanwhile)
   * is kept for the conflict dialog, never written over.
   */
  async update(base: Task, patch: Partial<Task>): Promise<boolean> {
    try {
      const task = await call('update_task', {
        ...(patch as object),
        task_id: base.id,
        expected_version: base.version,
      });
      this.keep(task);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'conflict') {
        try {
          const current = await call('get_task', { task_id: base.id });
          this.keep(current);
          this.conflict = { base, current, patch };
          this.notify();
        } catch (reread) {
          this.fail(reread);
        }
        return false;
      }
      this.fail(error);
      return false;
    }
  }

  async reapply(): Promise<void> {
    const conflict = this.conflict;
    this.conflict = null;
    if (conflict) await this.update(conflict.current, conflict.patch);
    this.notify();
  }

  discard(): void {
    this.conflict = null;
    this.notify();
  }

  async create(input: Record<string, unknown>): Promise<Task | null> {
    try {
      const task = await call('create_task', input as { title: string });
      this.keep(task);
      return task;
    } catch (error) {
      this.fail(error);
      return null;
    }
  }

  async remove(task: Task): Promise<void> {
    try {
      await call('delete_task', { task_id: task.id });
      this.tasks.delete(task.id);
      if (this.filters.task === task.id) this.setFilters({ task: '' });
      this.notify();
    } catch (error) {
      this.fail(error);
    }
  }
}

export const model = new BoardModel();

/** Re-renders the calling component whenever the model changes. */
export function useModel(): BoardModel {
  const [, setRevision] = useState(0);
  useEffect(() => {
    const unsubscribe = model.subscribe(() => setRevision(model.revision));
    // What changed between the first render and this effect (the feed may have answered already).
    setRevision(model.revision);
    return unsubscribe;
  }, []);
  return model;
}

/** Tasks grouped by parent, and by what they depend on, for progress, blocked-by and the drawer. */
export interface Relations {
  children: Map<string, Task[]>;
  dependents: Map<string, Task[]>;
}

export function relations(tasks: Map<string, Task>): Relations {
  const children = new Map<string, Task[]>();
  const dependents = new Map<string, Task[]>();
  const push = (map: Map<string, Task[]>, key: string, task: Task) => {
    const list = map.get(key);
    if (list) list.push(task);
    else map.set(key, [task]);
  };
  for (const task of tasks.values()) {
    if (task.parent_id) push(children, task.parent_id, task);
    for (const id of task.depends_on) push(dependents, id, task);
  }
  return { children, dependents };
}

export const isFinished = (task: Task | undefined): boolean =>
  task !== undefined && (task.status === 'done' || task.status === 'cancelled');

/** Dependencies not yet done or cancelled (a dependency no longer there blocks nothing). */
export function blockedBy(task: Task, tasks: Map<string, Task>): number {
  return task.depends_on.filter((id) => tasks.has(id) && !isFinished(tasks.get(id))).length;
}

export function matches(task: Task, filters: Filters): boolean {
  if (filters.project && task.project_id !== filters.project) return false;
  if (filters.tag && !task.tags.includes(filters.tag)) return false;
  if (filters.role && task.role !== filters.role) return false;
  if (filters.priority && task.priority !== filters.priority) return false;
  if (filters.q) {
    const q = filters.q.toLowerCase();
    if (!task.title.toLowerCase().includes(q) && !task.description.toLowerCase().includes(q)) return false;
  }
  return true;
}

/** Board order: priority (urgent first), then due date (none last), then oldest first. */
export function byPriority(a: Task, b: Task): number {
  return (
    PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] ||
    (a.due_at ?? '\uffff').localeCompare(b.due_at ?? '\uffff') ||
    a.created_at.localeCompare(b.created_at) ||
    a.id.localeCompare(b.id)
  );
}
