import { randomUUID } from 'node:crypto';
import {
  BinderyError,
  canonicalPriority,
  canonicalStatus,
  checkSubtaskLevel,
  DEFAULT_LEASE_S,
  type Execution,
  type FieldIssue,
  OPEN_STATUSES,
  type OpArgs,
  type OpOutput,
  plural,
  type Role,
  type SubtaskInput,
  type Task,
  type TaskStatus,
} from '../contract/index.js';
import { currentActor, reachableProjects } from '../store/actor.js';
import type { ExecutionClaim, NewTask, Store, TaskChanges, TaskWrite } from '../store/types.js';
import { type Handlers, pageRequest, type ServiceContext, toUtc } from './context.js';
import { hideOtherProjects } from './project-access.js';

/** Upper bound on tasks one create call may write, so a single request cannot monopolise the store. */
const MAX_TREE_SIZE = 5_000;

type TaskOps =
  | 'create_task'
  | 'get_task'
  | 'list_tasks'
  | 'list_children'
  | 'update_task'
  | 'delete_task'
  | 'complete_task'
  | 'execute_task'
  | 'assign_role_to_task';

/** Field path → id of each task and project an input names, checked before the write. */
export interface References {
  tasks: Map<string, string>;
  projects: Map<string, string>;
}

export function noReferences(): References {
  return { tasks: new Map(), projects: new Map() };
}

/** Every referenced task/project must exist: one issue naming each missing reference. */
export async function missingReferences(store: Store, refs: References): Promise<FieldIssue[]> {
  const [tasks, projects] = await Promise.all([
    store.existing('task', [...new Set(refs.tasks.values())]),
    store.existing('project', [...new Set(refs.projects.values())]),
  ]);
  const issues: FieldIssue[] = [];
  for (const [field, id] of refs.tasks)
    if (!tasks.has(id)) issues.push({ field, reason: `no task with id ${id}` });
  for (const [field, id] of refs.projects) {
    if (!projects.has(id)) issues.push({ field, reason: `no project with id ${id}` });
  }
  return issues;
}

/**
 * The store write of one update_task input, given the task's current status: its changes and guard, with
 * the tasks and projects it names added to `refs` (field paths after `prefix`). Throws a validation error
 * for an input that changes nothing or names an unknown role.
 */
export function taskUpdateWrite(
  ctx: ServiceContext,
  currentStatus: TaskStatus,
  { task_id, expected_version, ...update }: OpArgs<'update_task'>,
  refs: References,
  prefix = '',
): TaskWrite {
  if (Object.keys(update).length === 0) {
    throw BinderyError.validation([
      { field: prefix.replace(/\.$/, ''), reason: 'no fields to change; send at least one task field' },
    ]);
  }
  if (update.parent_id) refs.tasks.set(`${prefix}parent_id`, update.parent_id);
  if (update.project_id) refs.projects.set(`${prefix}project_id`, update.project_id);
  update.depends_on?.forEach((id, i) => {
    refs.tasks.set(`${prefix}depends_on.${i}`, id);
  });
  if (update.role) ctx.roles.require(update.role, `${prefix}role`);

  const now = ctx.now().toISOString();
  const { status: statusInput, priority, due_at, depends_on, ...plain } = update;
  const changes: TaskChanges = { ...plain, updated_at: now, updated_by: currentActor() };
  if (priority) changes.priority = canonicalPriority(priority);
  if (due_at !== undefined) changes.due_at = toUtc(due_at) ?? null;
  if (depends_on) changes.depends_on = [...new Set(depends_on)];
  const status = statusInput && canonicalStatus(statusInput);
  if (status) Object.assign(changes, statusChange(currentStatus, status, now));
  return {
    id: task_id,
    changes,
    options: { expectedVersion: expected_version, closeExecution: closingExecution(status, now, null) },
  };
}

/** The store write that completes a task, given its current status. */
export function completionWrite(
  ctx: ServiceContext,
  currentStatus: TaskStatus,
  { task_id, completion_notes, expected_version }: OpArgs<'complete_task'>,
): TaskWrite {
  const now = ctx.now().toISOString();
  const changes: TaskChanges = {
    ...statusChange(currentStatus, 'done', now),
    updated_at: now,
    updated_by: currentActor(),
  };
  if (completion_notes !== undefined) changes.completion_notes = completion_notes;
  return {
    id: task_id,
    changes,
    options: {
      expectedVersion: expected_version,
      closeExecution: closingExecution('done', now, completion_notes ?? null),
    },
  };
}

export function taskHandlers(ctx: ServiceContext): Handlers<TaskOps> {
  const { store, roles } = ctx;

  async function requireTask(id: string): Promise<Task> {
    const task = await store.getTask(id);
    if (!task) throw BinderyError.notFound('task', id);
    return task;
  }

  /** Every referenced task/project must exist: one validation error naming each missing reference. */
  async function checkReferences(refs: References): Promise<void> {
    const issues = await missingReferences(store, refs);
    if (issues.length) throw BinderyError.validation(issues);
  }

  return {
    async create_task(input) {
      const now = ctx.now().toISOString();
      const rows: NewTask[] = [];
      const refs = noReferences();
      if (input.parent_id) refs.tasks.set('parent_id', input.parent_id);

      const visit = (
        node: SubtaskInput,
        path: string,
        depth: number,
        parentId: string | null,
        projectId: string | null,
      ) => {
        checkSubtaskLevel(path, depth);
        if (rows.length >= MAX_TREE_SIZE) {
          throw BinderyError.validation([
            { field: path, reason: `one call creates at most ${MAX_TREE_SIZE} tasks` },
          ]);
        }
        const prefix = path ? `${path}.` : '';
        if (node.role) roles.require(node.role, `${prefix}role`);
        node.depends_on?.forEach((id, i) => {
          refs.tasks.set(`${prefix}depends_on.${i}`, id);
        });
        // A subtask without its own project belongs to its parent's project.
        const project = node.project_id === undefined ? projectId : node.project_id;
        if (node.project_id) refs.projects.set(`${prefix}project_id`, node.project_id);
        const status = canonicalStatus(node.status ?? 'todo');
        const id = randomUUID();
        rows.push({
          id,
          title: node.title,
          description: node.description ?? '',
          status,
          priority: canonicalPriority(node.priority ?? 'normal'),
          tags: node.tags ?? [],
          labels: node.labels ?? {},
          parent_id: parentId,
          project_id: project,
          role: node.role ?? null,
          depends_on: [...new Set(node.depends_on ?? [])],
          due_at: toUtc(node.due_at) ?? null,
          created_at: now,
          updated_at: now,
          updated_by: currentActor(),
          completed_at: status === 'done' ? now : null,
          completion_notes: node.completion_notes ?? null,
          version: 1,
        });
        node.subtasks?.forEach((child, i) => {
          visit(child, `${prefix}subtasks.${i}`, depth + 1, id, project);
        });
      };
      visit(input, '', 0, input.parent_id ?? null, input.project_id ?? null);

      await checkReferences(refs);
      return store.insertTasks(rows);
    },

    async get_task({ task_id }) {
      await store.expireLeases(ctx.now().toISOString());
      return requireTask(task_id);
    },

    async list_tasks(input) {
      const filter = {
        statuses: statusFilter(input.status),
        priority: input.priority && canonicalPriority(input.priority),
        project_id: input.project_id,
        project_ids: reachableProjects(),
        parent_id: input.parent_id === 'root' ? null : input.parent_id,
        tag: input.tag,
        role: input.role,
        ready: input.ready,
      };
      await store.expireLeases(ctx.now().toISOString());
      return store.listTasks(filter, pageRequest(input), input.detail ?? 'summary');
    },

    async list_children(input) {
      await requireTask(input.task_id);
      return store.listChildren(input.task_id, pageRequest(input));
    },

    async update_task(input) {
      const current = await requireTask(input.task_id);
      const refs = noReferences();
      const write = taskUpdateWrite(ctx, current.status, input, refs);
      await checkReferences(refs);
      return store.updateTask(write.id, write.changes, write.options);
    },

    async delete_task({ task_id }) {
      // A project-limited token's delete keeps other projects' subtasks (docs/access.md).
      const deleted = await store.deleteTaskTree(task_id, reachableProjects());
      if (deleted === 0) throw BinderyError.notFound('task', task_id);
      return { success: true as const, task_id, deleted_count: deleted };
    },

    async complete_task(input) {
      const current = await requireTask(input.task_id);
      const write = completionWrite(ctx, current.status, input);
      const task = await store.updateTask(write.id, write.changes, write.options);
      return { success: true as const, task, completion_notes: task.completion_notes };
    },

    async execute_task(input: OpArgs<'execute_task'>) {
      const role = roles.require(input.role_name, 'role_name');
      await requireTask(input.task_id);
      const now = ctx.now();
      await store.expireLeases(now.toISOString());
      // The execution's id comes from the store's answer: a replayed claim answers the one it started.
      const { task, execution } = await store.claimExecution(input.task_id, {
        ...executionClaim(input.task_id, role, now, input.lease_s),
        force: input.force ?? false,
      });
      return executionBrief(store, task, role, execution);
    },

    async assign_role_to_task({ task_id, role_name }) {
      const known = roles.require(role_name, 'role_name');
      await requireTask(task_id);
      const task = await store.updateTask(task_id, {
        role: known.name,
        updated_at: ctx.now().toISOString(),
        updated_by: currentActor(),
      });
      return { success: true as const, task_id, role_assigned: known.name, task };
    },
  };
}

/** `open` is every status that still needs work; any other status filters by itself. */
function statusFilter(status: OpArgs<'list_tasks'>['status']): readonly TaskStatus[] | undefined {
  if (status === undefined) return undefined;
  return status === 'open' ? OPEN_STATUSES : [canonicalStatus(status)];
}

/** completed_at follows status: set when a task becomes done, cleared when it leaves done. */
function statusChange(from: TaskStatus, to: TaskStatus, now: string): TaskChanges {
  if (to === 'done') return from === 'done' ? { status: to } : { status: to, completed_at: now };
  return from === 'done' ? { status: to, completed_at: null } : { status: to };
}

/** Finishing or cancelling a task also closes its running execution. */
function closingExecution(status: TaskStatus | undefined, now: string, notes: string | null) {
  if (status === 'done') return { status: 'completed' as const, finished_at: now, notes };
  if (status === 'cancelled') return { status: 'cancelled' as const, finished_at: now, notes };
  return undefined;
}

/** A new running execution of `taskId` as `role`, leased for `leaseS` seconds from `now`. */
export function executionClaim(
  taskId: string,
  role: Role,
  now: Date,
  leaseS: number | undefined,
): ExecutionClaim {
  const at = now.toISOString();
  return {
    execution: {
      id: `exec_${randomUUID()}`,
      task_id: taskId,
      role: role.name,
      status: 'running',
      started_at: at,
      finished_at: null,
      notes: null,
      lease_expires_at: new Date(now.getTime() + (leaseS ?? DEFAULT_LEASE_S) * 1000).toISOString(),
    },
    force: false,
    taskChanges: {
      role: role.name,
      status: 'doing',
      completed_at: null,
      updated_at: at,
      updated_by: currentActor(),
    },
  };
}

/**
 * execute_task's answer: the task with its subtasks, dependencies, the role's rules and what to do; for a
 * project-limited token, only the subtasks and dependencies of its projects (the instructions count those).
 */
export async function executionBrief(
  store: Store,
  claimed: Task,
  role: Role,
  execution: Execution,
): Promise<OpOutput<'execute_task'>> {
  const task = await hideOtherProjects(store, claimed);
  const [subtasks, dependencies] = await Promise.all([
    store.getTaskSummaries(task.children),
    store.getTaskSummaries(task.depends_on),
  ]);
  const waiting = dependencies.filter((d) => d.status !== 'done' && d.status !== 'cancelled');
  const instructions = [
    `Work on "${task.title}" as ${role.name}: ${role.description}`,
    `Touch only files matching: ${role.file_patterns.join(', ') || '(none)'}.`,
    waiting.length
      ? `${plural(waiting.length, 'dependency', 'dependencies')} not done yet; check them first.`
      : 'All dependencies are done.',
    subtasks.length ? `Work through its ${plural(subtasks.length, 'subtask')}.` : '',
    `When finished, call complete_task with task_id ${task.id} and your completion notes.`,
  ]
    .filter(Boolean)
    .join(' ');
  return {
    success: true as const,
    task_id: task.id,
    role_assigned: role.name,
    execution_id: execution.id,
    lease_expires_at: execution.lease_expires_at!,
    brief: { task, subtasks, dependencies, role, instructions },
  };
}
