import { randomUUID } from 'node:crypto';
import { type BinderyApi, BinderyError, type EntityKind, type OperationName } from '../contract/index.js';
import { type Access, currentAccess, inProjects } from '../store/actor.js';
import type { Store } from '../store/types.js';

type Input = Record<string, unknown>;
type Call = (input: unknown) => Promise<unknown>;
type Guard = (input: Input, access: Access, api: BinderyApi, call: Call) => Promise<unknown>;

const EMPTY_PAGE = { items: [], total: 0, next_cursor: null };

/** An entity of another project answers exactly what a missing one answers. */
function hidden(entity: EntityKind, id: unknown): BinderyError {
  return BinderyError.notFound(entity, String(id));
}

function projectsOf(access: Access): readonly string[] {
  return access.project_ids ?? [];
}

/**
 * The project a call names: the one given (another project's answers as a missing one would: `null`, the
 * caller then answers empty or 404), else the token's only project, else undefined (a token of several
 * projects: a read then spans them all, as the service narrows it with `reachableProjects`).
 */
function projectFor(input: Input, access: Access): string | null | undefined {
  const given = input.project_id;
  if (typeof given === 'string') return inProjects(access, given.toLowerCase()) ? given : null;
  const projects = projectsOf(access);
  return projects.length === 1 ? projects[0] : undefined;
}

/** `input` with the project found for it, when there is one. */
function withProject(input: Input, project: string | undefined): Input {
  return project === undefined ? input : { ...input, project_id: project };
}

/**
 * A list or search inside the token's projects: the one named, else all of them (the store filters on
 * `reachableProjects`). Another project's filter is run as a filter on a project that does not exist, so its
 * answer is, by construction, exactly the answer for a missing project.
 */
const scopedList: Guard = async (input, access, _api, call) => {
  const project = projectFor(input, access);
  return call(withProject(input, project === null ? randomUUID() : project));
};

/**
 * A create inside the token's projects: the project named, or the token's only one. A token of several
 * must name one: which of them the entity belongs to is the caller's choice, not a guess.
 */
const scopedCreate: Guard = async (input, access, _api, call) => {
  const project = projectFor(input, access);
  if (project === null) throw hidden('project', input.project_id);
  if (project === undefined) {
    throw BinderyError.validation([
      {
        field: 'project_id',
        reason: `is required: this token reaches ${projectsOf(access).length} projects, name the one to create in`,
      },
    ]);
  }
  return call({ ...input, project_id: project });
};

async function visibleTask(api: BinderyApi, access: Access, id: unknown): Promise<void> {
  const task = await api.get_task({ task_id: id as string });
  if (!inProjects(access, task.project_id)) throw hidden('task', id);
}

/** A move may stay inside the token's projects only: another project answers as missing, none is refused. */
function refuseMoveOut(input: Input, access: Access): void {
  if (!('project_id' in input) || input.project_id === undefined) return;
  if (input.project_id === null) {
    throw BinderyError.validation([
      {
        field: 'project_id',
        reason: 'cannot be null with a project-limited token: the entity would leave its projects',
      },
    ]);
  }
  if (!inProjects(access, String(input.project_id).toLowerCase())) throw hidden('project', input.project_id);
}

async function visibleLinks(input: Input, access: Access, api: BinderyApi): Promise<void> {
  if (typeof input.parent_id === 'string') await visibleTask(api, access, input.parent_id);
  for (const id of Array.isArray(input.depends_on) ? input.depends_on : [])
    await visibleTask(api, access, id);
}

/** Operations on one existing task: it must be in the token's projects. */
const onTask: Guard = async (input, access, api, call) => {
  await visibleTask(api, access, input.task_id);
  refuseMoveOut(input, access);
  await visibleLinks(input, access, api);
  return call(input);
};

const onProject: Guard = async (input, access, _api, call) => {
  if (!inProjects(access, String(input.project_id).toLowerCase())) throw hidden('project', input.project_id);
  return call(input);
};

const onNote: Guard = async (input, access, api, call) => {
  const note = await api.get_note({ note_id: input.note_id as string });
  if (!inProjects(access, note.project_id)) throw hidden('note', input.note_id);
  refuseMoveOut(input, access);
  return call(input);
};

const onDocument: Guard = async (input, access, api, call) => {
  const document = await api.get_document({ document_id: input.document_id as string });
  if (!inProjects(access, document.project_id)) throw hidden('document', input.document_id);
  return call(input);
};

/** Subtasks may name their own project: each must be one of the token's. */
function subtreeProjects(node: Input, access: Access): void {
  for (const child of Array.isArray(node.subtasks) ? (node.subtasks as Input[]) : []) {
    refuseMoveOut(child, access);
    subtreeProjects(child, access);
  }
}

/** The lists by which a task names other tasks (a task, summary or change names its parent by `parent_id`). */
const LINK_LISTS = ['children', 'depends_on', 'blocked_by'] as const;

/** Every plain object in an answer (the answer itself, its items, a brief's task, …). */
function* objectsIn(value: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(value)) for (const item of value) yield* objectsIn(item);
  else if (typeof value === 'object' && value !== null) {
    yield value as Record<string, unknown>;
    for (const field of Object.values(value)) if (typeof field === 'object') yield* objectsIn(field);
  }
}

/** The task ids an object names by its links and parent. */
function linksOf(node: Record<string, unknown>): string[] {
  const ids = LINK_LISTS.flatMap((key) => (Array.isArray(node[key]) ? (node[key] as string[]) : []));
  return typeof node.parent_id === 'string' ? [...ids, node.parent_id] : ids;
}

/** What hiding other projects' tasks reads from the store. */
export type LinkReader = Pick<Store, 'getTaskSummaries' | 'countChildren'>;

/** The ids of summaries that count subtasks (`child_count`), which may include other projects' ones. */
function countingParents(nodes: readonly Record<string, unknown>[]): string[] {
  return nodes.flatMap((node) =>
    typeof node.child_count === 'number' && node.child_count > 0 && typeof node.id === 'string'
      ? [node.id]
      : [],
  );
}

/**
 * An answer for a project-limited token without the ids of other projects' tasks: a visible task's subtask,
 * dependency or parent may sit in another project, and its existence must not show (docs/access.md); a
 * summary's `child_count` counts only the token's projects' subtasks. The whole answer is walked, so every
 * operation's tasks, summaries, briefs and change rows are covered. An id no task has any more (a deleted
 * parent named by an old change) is left as it is: it names nothing. Unlimited callers get the answer
 * untouched. `access`: the running call's unless given (the event stream's).
 */
export async function hideOtherProjects<T>(
  store: LinkReader,
  answer: T,
  access: Access | undefined = currentAccess(),
): Promise<T> {
  if (!access?.project_ids) return answer;
  const nodes = [...objectsIn(answer)];
  const named = [...new Set(nodes.flatMap(linksOf))];
  const parents = countingParents(nodes);
  if (named.length === 0 && parents.length === 0) return answer;
  const [found, counts] = await Promise.all([
    named.length ? store.getTaskSummaries(named) : [],
    parents.length ? store.countChildren(parents, access.project_ids) : new Map<string, number>(),
  ]);
  const foreign = new Set(
    found.filter((task) => !inProjects(access, task.project_id)).map((task) => task.id),
  );
  const recount = nodes.some(
    (node) => parents.includes(node.id as string) && counts.get(node.id as string) !== node.child_count,
  );
  if (foreign.size === 0 && !recount) return answer;
  // A copy: the answer's objects may be shared (a cached or replayed answer).
  const copy = structuredClone(answer);
  for (const node of objectsIn(copy)) {
    for (const key of LINK_LISTS) {
      if (Array.isArray(node[key])) node[key] = (node[key] as string[]).filter((id) => !foreign.has(id));
    }
    if (typeof node.parent_id === 'string' && foreign.has(node.parent_id)) node.parent_id = null;
    if (typeof node.child_count === 'number') node.child_count = counts.get(node.id as string) ?? 0;
  }
  return copy;
}

const refused = (what: string) => async () => {
  throw new BinderyError('permission_denied', `A project-limited token cannot ${what}.`, {
    suggestions: ['Use a token without project_ids for this.'],
  });
};

/**
 * What a token limited to some projects may see and change (docs/access.md): every read is narrowed to its
 * projects, an entity of another project answers 404 as a missing id does, creates land in its projects,
 * and nothing moves out. Every operation is listed, so a new one cannot slip through unguarded: `null`
 * marks those that touch no project's entities (roles, version, health, tokens). A list goes through
 * `scopedList`.
 */
export const PROJECT_GUARDS: Record<OperationName, Guard | null> = {
  create_task: async (input, access, api, call) => {
    if (typeof input.parent_id === 'string') await visibleTask(api, access, input.parent_id);
    refuseMoveOut(input, access);
    subtreeProjects(input, access);
    await visibleLinks({ depends_on: input.depends_on }, access, api);
    return scopedCreate(input, access, api, call);
  },
  get_task: async (input, access, _api, call) => {
    const task = (await call(input)) as { project_id: string | null };
    if (!inProjects(access, task.project_id)) throw hidden('task', input.task_id);
    return task;
  },
  list_tasks: scopedList,
  list_children: async (input, access, api, call) => {
    await visibleTask(api, access, input.task_id);
    // A subtask may sit in another project than its parent: it is left out like any entity of another project.
    const page = (await call(input)) as { items: { project_id: string | null }[]; total: number };
    const items = page.items.filter((child) => inProjects(access, child.project_id));
    return { ...page, items, total: page.total - (page.items.length - items.length) };
  },
  next_task: async (input, access, _api, call) => {
    const project = projectFor(input, access);
    // Another project's id answers as a missing project does: a 400 naming the id given.
    if (project === null) {
      throw BinderyError.validation([
        { field: 'project_id', reason: `no project with id ${input.project_id}` },
      ]);
    }
    return call(withProject(input, project));
  },
  // The store looks for the execution among the token's projects' only (reachableProjects in the service):
  // another project's answers not_found, as a missing one does.
  heartbeat_execution: null,
  // Without task_id, the store lists only executions of the token's projects' tasks (reachableProjects).
  list_executions: async (input, access, api, call) => {
    if (typeof input.task_id === 'string') await visibleTask(api, access, input.task_id);
    return call(input);
  },
  update_task: onTask,
  delete_task: onTask,
  complete_task: onTask,
  execute_task: onTask,
  assign_role_to_task: onTask,

  update_tasks: async (input, access, api, call) => {
    for (const item of Array.isArray(input.items) ? (input.items as Input[]) : []) {
      await visibleTask(api, access, item.task_id);
      refuseMoveOut(item, access);
      await visibleLinks(item, access, api);
    }
    return call(input);
  },
  complete_tasks: async (input, access, api, call) => {
    for (const id of Array.isArray(input.task_ids) ? input.task_ids : []) await visibleTask(api, access, id);
    return call(input);
  },
  import_plan: async (input, access, api, call) => {
    if (typeof input.parent_id === 'string') await visibleTask(api, access, input.parent_id);
    return scopedCreate(input, access, api, call);
  },
  export_plan: async (input, access, api, call) => {
    if (typeof input.task_id === 'string') {
      await visibleTask(api, access, input.task_id);
      return call(input);
    }
    // Neither given, with a token of several projects: the service asks for one of the two.
    const project = projectFor(input, access);
    if (project === null) throw hidden('project', input.project_id);
    return call(withProject(input, project));
  },
  list_roles: null,

  create_project: refused('create projects (the new one would be outside its projects)'),
  get_project: onProject,
  list_projects: async (_input, access, api) => {
    const found = await Promise.allSettled(
      projectsOf(access).map((id) => api.get_project({ project_id: id })),
    );
    const items = found.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    return { items, total: items.length, next_cursor: null };
  },
  update_project: onProject,
  delete_project: onProject,

  create_note: scopedCreate,
  get_note: onNote,
  list_notes: scopedList,
  update_note: onNote,
  delete_note: onNote,

  index_document: scopedCreate,
  get_document: onDocument,
  list_documents: scopedList,
  delete_document: onDocument,

  search: scopedList,
  // get_task_dashboard counts the token's projects in the service (store.dashboardCounts).
  get_task_dashboard: null,
  version_info: null,
  get_health: null,
  get_pool_metrics: null,
  get_pool_health: null,
  list_changes: async (input, access, _api, call) => {
    // Another project's filter reads as a missing project's (its page ends where that one's does).
    const named = typeof input.project_id === 'string' && !inProjects(access, input.project_id.toLowerCase());
    const page = (await call(named ? { ...input, project_id: randomUUID() } : input)) as {
      items: { project_id: string | null }[];
    };
    return { ...page, items: page.items.filter((change) => inProjects(access, change.project_id)) };
  },
  get_history: async (input, access, _api, call) => {
    const page = (await call(input)) as { items: { project_id: string | null }[] };
    // The newest change says where the entity is (or was last): another project's history is a missing one's.
    const newest = page.items[0];
    if (newest && !inProjects(access, newest.project_id)) return EMPTY_PAGE;
    return page;
  },
  create_token: null,
  list_tokens: null,
  revoke_token: null,
  get_access: null,
};
