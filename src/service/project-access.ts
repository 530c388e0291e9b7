import { randomUUID } from 'node:crypto';
import { type BinderyApi, BinderyError, type EntityKind, type OperationName } from '../contract/index.js';
import { type Access, inProjects } from '../store/actor.js';

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
 * The project a list, search or create works in: the one given (another project's answers as a missing one
 * would: `null`, the caller then answers empty or 404), else the token's only project. A token of several
 * projects must name one: a list spanning them is not offered (docs/access.md).
 */
function projectFor(input: Input, access: Access): string | null {
  const given = input.project_id;
  if (typeof given === 'string') return inProjects(access, given.toLowerCase()) ? given : null;
  const projects = projectsOf(access);
  if (projects.length === 1) return projects[0]!;
  throw BinderyError.validation([
    { field: 'project_id', reason: `is required: this token reaches ${projects.length} projects, name one` },
  ]);
}

/**
 * A list or search inside the token's projects. Another project's filter is run as a filter on a project
 * that does not exist, so its answer is, by construction, exactly the answer for a missing project.
 */
const scopedList: Guard = async (input, access, _api, call) => {
  const project = projectFor(input, access);
  return call({ ...input, project_id: project ?? randomUUID() });
};

/** A create inside the token's projects: the project named, or the token's only one. */
const scopedCreate: Guard = async (input, access, _api, call) => {
  const project = projectFor(input, access);
  if (project === null) throw hidden('project', input.project_id);
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
    return call({ ...input, project_id: project });
  },
  // Execution ids are random and shown only with their task (list_executions below), so an id of another
  // project's execution cannot be learnt through this token; a lease extension reveals nothing.
  heartbeat_execution: null,
  list_executions: async (input, access, api, call) => {
    if (typeof input.task_id === 'string') {
      await visibleTask(api, access, input.task_id);
      return call(input);
    }
    const page = (await call(input)) as { items: { task_id: string }[] };
    const visible = new Set<string>();
    for (const id of new Set(page.items.map((execution) => execution.task_id))) {
      if (
        await visibleTask(api, access, id).then(
          () => true,
          () => false,
        )
      )
        visible.add(id);
    }
    return { ...page, items: page.items.filter((execution) => visible.has(execution.task_id)) };
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
    const project = projectFor(input, access);
    if (project === null) throw hidden('project', input.project_id);
    return call({ ...input, project_id: project });
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
    const page = (await call(input)) as { items: { project_id: string | null }[] };
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
