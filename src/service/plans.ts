import { randomUUID } from 'node:crypto';
import { BinderyError, MAX_PLAN_ITEMS, type PlanNode, type Task } from '../contract/index.js';
import { currentAccess, currentActor, inProjects } from '../store/actor.js';
import type { NewTask } from '../store/types.js';
import type { Handlers, ServiceContext } from './context.js';
import { type PlanItem, parsePlan, renderPlan } from './plan-markdown.js';
import { missingReferences, noReferences } from './tasks.js';

/** import_plan and export_plan: Markdown plans ↔ task trees (docs/plans.md). */
export function planHandlers(ctx: ServiceContext): Handlers<'import_plan' | 'export_plan'> {
  const { store, roles } = ctx;

  return {
    async import_plan({ markdown, project_id, parent_id, dry_run = false }) {
      const roots = parsePlan(markdown, new Set(roles.list().map((role) => role.name)));
      const refs = noReferences();
      if (parent_id) refs.tasks.set('parent_id', parent_id);
      if (project_id) refs.projects.set('project_id', project_id);
      const missing = await missingReferences(store, refs);
      if (missing.length) throw BinderyError.validation(missing);

      const items: PlanItem[] = [];
      const collect = (item: PlanItem) => {
        items.push(item);
        item.subtasks.forEach(collect);
      };
      roots.forEach(collect);
      if (dry_run) return { dry_run, task_count: items.length, tasks: roots.map((r) => node(r, [])) };

      // Under an existing task and with no project given, the plan joins that task's project.
      const project =
        project_id ?? (parent_id ? ((await store.getTask(parent_id))?.project_id ?? null) : null);
      const now = ctx.now().toISOString();
      const planned = items.map(() => randomUUID());
      const parentOf = new Map<PlanItem, string>();
      const rows = items.map((item, i): NewTask => {
        for (const sub of item.subtasks) parentOf.set(sub, planned[i]!);
        return {
          id: planned[i]!,
          title: item.title,
          description: item.description,
          status: item.status,
          priority: item.priority,
          tags: item.tags,
          labels: {},
          parent_id: parentOf.get(item) ?? parent_id ?? null,
          project_id: project,
          role: item.role,
          depends_on: item.after.map((n) => planned[n - 1]!),
          due_at: item.due_at,
          created_at: now,
          updated_at: now,
          updated_by: currentActor(),
          completed_at: item.status === 'done' ? now : null,
          completion_notes: null,
          version: 1,
        };
      });
      // The ids come from the store's answer: a replayed request answers the tasks it created then.
      const ids = await store.insertTaskList(rows);
      return { dry_run, task_count: items.length, tasks: roots.map((r) => node(r, ids)) };
    },

    async export_plan({ project_id, task_id }) {
      if ((project_id === undefined) === (task_id === undefined)) {
        throw BinderyError.validation([
          {
            field: project_id ? 'task_id' : 'project_id',
            reason: 'send exactly one of project_id and task_id',
          },
        ]);
      }
      const byId = new Map<string, Task>();
      let roots: Task[];
      if (project_id) {
        if (!(await store.getProject(project_id))) throw BinderyError.notFound('project', project_id);
        const page = await store.listTasks({ project_id }, { limit: MAX_PLAN_ITEMS + 1 }, 'full');
        tooMany(page.total);
        // Newest first from the store: reversed, parents come before their subtasks.
        for (const task of (page.items as Task[]).reverse()) byId.set(task.id, task);
        roots = [...byId.values()].filter((task) => !task.parent_id || !byId.has(task.parent_id));
      } else {
        const root = await store.getTask(task_id!);
        if (!root) throw BinderyError.notFound('task', task_id!);
        byId.set(root.id, root);
        for (let level = root.children; level.length; ) {
          const next: string[] = [];
          for (const id of level) {
            const task = await store.getTask(id);
            // A subtask in another project than a project-limited token's is left out, as a missing one.
            if (!task || !inProjects(currentAccess(), task.project_id)) continue;
            byId.set(id, task);
            next.push(...task.children);
          }
          tooMany(byId.size + next.length);
          level = next;
        }
        roots = [root];
      }
      return { markdown: renderPlan(roots, byId), task_count: byId.size };
    },
  };
}

function tooMany(count: number): void {
  if (count > MAX_PLAN_ITEMS) {
    throw BinderyError.validation([
      {
        field: '',
        reason: `the tree has more than ${MAX_PLAN_ITEMS} tasks, more than one plan holds; export a subtree with task_id`,
      },
    ]);
  }
}

/** The answer's view of a planned task; `ids` in plan order, empty in a dry run. */
function node(item: PlanItem, ids: readonly string[]): PlanNode {
  return {
    item: item.item,
    line: item.line,
    id: ids[item.item - 1] ?? null,
    title: item.title,
    description: item.description,
    status: item.status,
    priority: item.priority,
    tags: item.tags,
    role: item.role,
    due_at: item.due_at,
    after: item.after,
    subtasks: item.subtasks.map((sub) => node(sub, ids)),
  };
}
