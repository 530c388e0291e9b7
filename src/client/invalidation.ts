import {
  type Change,
  ENTITY_TYPES,
  type MutationOperationName,
  type OpArgs,
  type OpOutput,
  type ReadOperationName,
  type SubtaskInput,
} from '../contract/index.js';
import type { TaskGraph } from './task-graph.js';

type EntityType = (typeof ENTITY_TYPES)[number];

export type ReadName = ReadOperationName;
export type MutationName = MutationOperationName;

/** What a mutation can have changed, as far as this client can tell. */
export interface Effect {
  /** Tasks whose own representation changed or that are gone. */
  tasks: Set<string>;
  /** Tasks that gained or lost a child: their `children` and `child_count` changed. */
  parents: Set<string>;
  /** Tasks that left their parent (moved or deleted): whichever task lists them as a child changed. */
  detached: Set<string>;
  /** A detached task's old parent is unknown: every children listing is suspect. */
  unknownParent: boolean;
  /** Root of a deleted subtree: everything under it, and everything depending on it, changed. */
  deletedTask?: string;
  /** Projects whose fields or task counts changed; 'all' when the projects involved are unknown. */
  projects: Set<string> | 'all';
  /** Every entity that belonged to this project now has project_id null. */
  deletedProject?: string;
  notes: Set<string>;
  documents: Set<string>;
  /** Collections whose list_* answers can change. */
  lists: Set<'tasks' | 'projects' | 'notes' | 'documents' | 'tokens' | 'executions'>;
  /** Entity types whose search results can change. */
  search: Set<EntityType>;
  dashboard: boolean;
}

function emptyEffect(): Effect {
  return {
    tasks: new Set(),
    parents: new Set(),
    detached: new Set(),
    unknownParent: false,
    projects: new Set(),
    notes: new Set(),
    documents: new Set(),
    lists: new Set(),
    search: new Set(),
    dashboard: false,
  };
}

/** Any change to tasks shows in task lists and the dashboard (counts, recent activity, recent tasks). */
function taskEffect(): Effect {
  const effect = emptyEffect();
  effect.lists.add('tasks');
  effect.dashboard = true;
  return effect;
}

function addProject(effect: Effect, project: string | null | undefined): void {
  if (project === undefined) effect.projects = 'all';
  else if (project !== null && effect.projects !== 'all') effect.projects.add(project);
}

/** A task's project counts change with its status or project; `known` is its project before the change. */
function touchProjects(
  effect: Effect,
  known: string | null | undefined,
  after: string | null | undefined,
): void {
  addProject(effect, known);
  addProject(effect, after);
}

/** Projects a create call writes into: the root's, and each subtask's own or inherited one. */
function treeProjects(effect: Effect, node: SubtaskInput, inherited: string | null): void {
  const project = node.project_id === undefined ? inherited : node.project_id;
  addProject(effect, project);
  for (const child of node.subtasks ?? []) treeProjects(effect, child, project);
}

/** The moved or deleted task left its old parent. */
function detach(effect: Effect, id: string, graph: TaskGraph): void {
  effect.detached.add(id);
  const parent = graph.parentOf(id);
  if (parent === undefined) effect.unknownParent = true;
  else if (parent !== null) effect.parents.add(parent);
}

/** The effect of several mutations together. */
function merged(effects: readonly Effect[]): Effect {
  const all = emptyEffect();
  for (const effect of effects) {
    for (const key of ['tasks', 'parents', 'detached', 'notes', 'documents', 'lists', 'search'] as const) {
      for (const value of effect[key]) (all[key] as Set<string>).add(value);
    }
    all.unknownParent ||= effect.unknownParent;
    all.dashboard ||= effect.dashboard;
    if (effect.projects === 'all') all.projects = 'all';
    else for (const project of effect.projects) addProject(all, project);
  }
  return all;
}

function tokensEffect(): Effect {
  const effect = emptyEffect();
  effect.lists.add('tokens');
  return effect;
}

type Rules = {
  [N in MutationName]: (args: OpArgs<N>, result: OpOutput<N> | undefined, graph: TaskGraph) => Effect;
};

/**
 * What each mutation can change. `result` is undefined when the call failed: the server may still have
 * committed it, so the rule falls back on the arguments and what the graph knows. The graph still holds the
 * state before the mutation.
 */
const RULES: Rules = {
  create_token: tokensEffect,
  revoke_token: tokensEffect,
  create_task(args) {
    const effect = taskEffect();
    if (args.parent_id) effect.parents.add(args.parent_id);
    treeProjects(effect, args, args.project_id ?? null);
    effect.search.add('task');
    return effect;
  },
  update_task(args, result, graph) {
    const effect = taskEffect();
    const id = args.task_id;
    effect.tasks.add(id);
    if (args.parent_id !== undefined) {
      detach(effect, id, graph);
      const parent = result ? result.parent_id : args.parent_id;
      if (parent) effect.parents.add(parent);
    }
    if (args.status !== undefined || args.project_id !== undefined) {
      touchProjects(effect, graph.projectOf(id), result ? result.project_id : args.project_id);
    }
    const searched = [args.title, args.description, args.tags, args.project_id];
    if (searched.some((field) => field !== undefined)) effect.search.add('task');
    return effect;
  },
  update_tasks(args, _result, graph) {
    return merged(args.items.map((item) => RULES.update_task(item, undefined, graph)));
  },
  complete_tasks(args, _result, graph) {
    return merged(args.task_ids.map((task_id) => RULES.complete_task({ task_id }, undefined, graph)));
  },
  import_plan(args) {
    if (args.dry_run) return emptyEffect();
    const effect = taskEffect();
    if (args.parent_id) effect.parents.add(args.parent_id);
    // Under a parent and without project_id, the tasks join the parent's project, unknown here.
    addProject(effect, args.project_id ?? (args.parent_id ? undefined : null));
    effect.search.add('task');
    return effect;
  },
  delete_task(args, _result, graph) {
    const effect = taskEffect();
    effect.tasks.add(args.task_id);
    effect.deletedTask = args.task_id;
    detach(effect, args.task_id, graph);
    // The subtree's tasks may sit in any project; the graph cannot vouch for having seen all of them.
    effect.projects = 'all';
    effect.search.add('task');
    return effect;
  },
  complete_task(args, result, graph) {
    const effect = taskEffect();
    effect.tasks.add(args.task_id);
    touchProjects(effect, graph.projectOf(args.task_id), result?.task.project_id);
    return effect;
  },
  execute_task(args, result, graph) {
    const effect = taskEffect();
    effect.tasks.add(args.task_id);
    touchProjects(effect, graph.projectOf(args.task_id), result?.brief.task.project_id);
    return effect;
  },
  assign_role_to_task(args) {
    const effect = taskEffect();
    effect.tasks.add(args.task_id);
    return effect;
  },
  next_task(args, result, graph) {
    if (!args.claim) return emptyEffect();
    const effect = taskEffect();
    effect.lists.add('executions');
    const task = result?.task;
    // A claim whose answer was lost changed a task this client cannot name: the change feed reports it.
    if (task) {
      effect.tasks.add(task.id);
      touchProjects(effect, graph.projectOf(task.id), task.project_id);
    } else effect.projects = 'all';
    return effect;
  },
  heartbeat_execution() {
    const effect = emptyEffect();
    effect.lists.add('executions');
    return effect;
  },

  create_project() {
    const effect = emptyEffect();
    effect.lists.add('projects');
    effect.search.add('project');
    effect.dashboard = true;
    return effect;
  },
  update_project(args) {
    const effect = emptyEffect();
    addProject(effect, args.project_id);
    effect.lists.add('projects');
    effect.search.add('project');
    return effect;
  },
  delete_project(args) {
    const effect = emptyEffect();
    addProject(effect, args.project_id);
    effect.deletedProject = args.project_id;
    for (const list of ['tasks', 'projects', 'notes', 'documents'] as const) effect.lists.add(list);
    for (const type of ENTITY_TYPES) effect.search.add(type);
    effect.dashboard = true;
    return effect;
  },

  create_note() {
    const effect = emptyEffect();
    effect.lists.add('notes');
    effect.search.add('note');
    effect.dashboard = true;
    return effect;
  },
  update_note(args) {
    const effect = emptyEffect();
    effect.notes.add(args.note_id);
    effect.lists.add('notes');
    effect.search.add('note');
    return effect;
  },
  delete_note(args) {
    const effect = emptyEffect();
    effect.notes.add(args.note_id);
    effect.lists.add('notes');
    effect.search.add('note');
    effect.dashboard = true;
    return effect;
  },

  index_document(_args, result) {
    const effect = emptyEffect();
    // Indexing known content returns the existing document and changes nothing.
    if (result?.deduplicated) return effect;
    effect.lists.add('documents');
    effect.search.add('document');
    effect.dashboard = true;
    return effect;
  },
  delete_document(args) {
    const effect = emptyEffect();
    effect.documents.add(args.document_id);
    effect.lists.add('documents');
    effect.search.add('document');
    effect.dashboard = true;
    return effect;
  },
};

/** Task fields that the search index holds. */
const SEARCHED_TASK_FIELDS = new Set(['title', 'description', 'tags', 'project_id']);

/**
 * What one change of the log (made by any process) can have changed: the same effect a mutation of this
 * client would have, built from what the change row says instead of from the call's arguments.
 */
export function effectOfChange(change: Change): Effect {
  const reshaped = change.op !== 'updated';
  const touched = (names: ReadonlySet<string>) => reshaped || change.fields.some((f) => names.has(f));
  switch (change.entity) {
    case 'task': {
      const effect = taskEffect();
      effect.tasks.add(change.id);
      if (change.parent_id && (reshaped || change.fields.includes('parent_id')))
        effect.parents.add(change.parent_id);
      if (change.op === 'deleted') {
        effect.deletedTask = change.id;
        effect.detached.add(change.id);
      }
      if (change.fields.includes('parent_id')) {
        // The row names the new parent; the old one is not known here.
        effect.detached.add(change.id);
        effect.unknownParent = true;
      }
      if (touched(new Set(['status', 'project_id'])))
        addProject(effect, change.fields.includes('project_id') ? undefined : change.project_id);
      if (touched(SEARCHED_TASK_FIELDS)) effect.search.add('task');
      return effect;
    }
    case 'project': {
      const effect = emptyEffect();
      addProject(effect, change.id);
      effect.lists.add('projects');
      effect.search.add('project');
      effect.dashboard = reshaped;
      if (change.op === 'deleted') {
        effect.deletedProject = change.id;
        for (const list of ['tasks', 'notes', 'documents'] as const) effect.lists.add(list);
        for (const type of ENTITY_TYPES) effect.search.add(type);
      }
      return effect;
    }
    case 'note':
    case 'document': {
      const effect = emptyEffect();
      (change.entity === 'note' ? effect.notes : effect.documents).add(change.id);
      effect.lists.add(change.entity === 'note' ? 'notes' : 'documents');
      effect.search.add(change.entity);
      effect.dashboard = reshaped;
      return effect;
    }
    case 'execution': {
      // Its task's own change, if any, follows in the same transaction; list_executions shows it directly.
      const effect = emptyEffect();
      effect.lists.add('executions');
      return effect;
    }
    case 'token':
      return tokensEffect();
  }
}

export function effectOf<N extends MutationName>(
  name: N,
  args: OpArgs<N>,
  result: OpOutput<N> | undefined,
  graph: TaskGraph,
) {
  return (RULES[name] as Rules[N])(args, result, graph);
}

type Matchers = {
  [N in ReadName]: (
    effect: Effect,
    args: OpArgs<N>,
    value: OpOutput<N> | undefined,
    graph: TaskGraph,
  ) => boolean;
};

const touchesTasks = (e: Effect) => e.lists.has('tasks');

/**
 * Whether a cached answer (or a read still in flight, `value` undefined) can be changed by an effect. Where
 * the decision needs the answer and there is none yet, a read in flight is treated as affected.
 */
const MATCHERS: Matchers = {
  get_task(e, { task_id: id }, task, graph) {
    if (e.tasks.has(id) || e.parents.has(id)) return true;
    const deleted = e.deletedTask;
    if (deleted && graph.mayBeUnder(id, deleted, task?.parent_id)) return true;
    if (!task) return e.detached.size > 0 || deleted !== undefined || e.deletedProject !== undefined;
    if (task.children.some((child) => e.detached.has(child))) return true;
    // Deleting a task drops it from every depends_on; a dependency's new status changes blocked_by.
    if (task.depends_on.some((dep) => e.tasks.has(dep))) return true;
    if (deleted && task.depends_on.some((dep) => graph.mayBeUnder(dep, deleted))) return true;
    return e.deletedProject !== undefined && task.project_id === e.deletedProject;
  },
  list_children(e, { task_id: id }, page, graph) {
    if (!touchesTasks(e)) return false;
    if (e.parents.has(id) || e.unknownParent) return true;
    if (e.deletedTask && graph.mayBeUnder(id, e.deletedTask)) return true;
    if (!page) return true;
    return page.items.some(
      (item) =>
        e.tasks.has(item.id) ||
        e.parents.has(item.id) ||
        (e.deletedProject !== undefined && item.project_id === e.deletedProject),
    );
  },
  list_tasks: touchesTasks,
  list_roles: () => false,
  export_plan: touchesTasks,
  list_executions: (e) => e.lists.has('tasks') || e.lists.has('executions'),
  get_project: (e, { project_id }) => e.projects === 'all' || e.projects.has(project_id),
  list_projects: (e) => e.lists.has('projects') || e.projects === 'all' || e.projects.size > 0,
  get_note: (e, { note_id }, note) =>
    e.notes.has(note_id) ||
    (e.deletedProject !== undefined && (!note || note.project_id === e.deletedProject)),
  list_notes: (e) => e.lists.has('notes'),
  get_document: (e, { document_id }, doc) =>
    e.documents.has(document_id) ||
    (e.deletedProject !== undefined && (!doc || doc.project_id === e.deletedProject)),
  list_documents: (e) => e.lists.has('documents'),
  search: (e, { entity_types }) => (entity_types ?? ENTITY_TYPES).some((type) => e.search.has(type)),
  get_task_dashboard: (e) => e.dashboard,
  version_info: () => false,
  // The log only grows: any change can extend a page, so a cached page is dropped by every change.
  list_changes: () => true,
  list_tokens: (e) => e.lists.has('tokens'),
  // A client keeps one credential: what it may do changes only with the token's revocation (a 401 then).
  get_access: () => false,
  get_history: (e, { entity, id }) =>
    (entity === 'task' && (e.tasks.has(id) || e.deletedTask !== undefined)) ||
    (entity === 'project' && (e.projects === 'all' || e.projects.has(id))) ||
    (entity === 'note' && e.notes.has(id)),
};

export interface ReadEntry {
  op: ReadName;
  args: Record<string, unknown>;
  value?: unknown;
}

/** The read of one entity of each kind, and the argument naming it. */
const ENTITY_READ: Partial<Record<Change['entity'], readonly [ReadName, string]>> = {
  task: ['get_task', 'task_id'],
  project: ['get_project', 'project_id'],
  note: ['get_note', 'note_id'],
  document: ['get_document', 'document_id'],
};

/**
 * Whether a cached answer is the changed entity itself, read at the change's version or later, so it already
 * shows the change. That is how this client's own writes come back on the feed, after it has read them anew.
 */
export function alreadyShows(change: Change, entry: ReadEntry): boolean {
  if (change.op === 'deleted' || change.version === null || entry.value === undefined) return false;
  const read = ENTITY_READ[change.entity];
  if (!read || entry.op !== read[0] || entry.args[read[1]] !== change.id) return false;
  const version = (entry.value as { version?: unknown }).version;
  return typeof version === 'number' && version >= change.version;
}

export function affects(effect: Effect, entry: ReadEntry, graph: TaskGraph): boolean {
  const matcher = MATCHERS[entry.op] as (
    e: Effect,
    args: unknown,
    value: unknown,
    graph: TaskGraph,
  ) => boolean;
  return matcher(effect, entry.args, entry.value, graph);
}
