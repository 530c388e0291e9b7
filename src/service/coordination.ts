import { BinderyError, DEFAULT_LEASE_S, type OpArgs, plural, type Task } from '../contract/index.js';
import { reachableProjects } from '../store/actor.js';
import { type Handlers, pageRequest, type ServiceContext } from './context.js';
import { hideOtherProjects } from './project-access.js';
import { executionBrief, executionClaim } from './tasks.js';

type CoordinationOps = 'next_task' | 'heartbeat_execution' | 'list_executions';

/** "What next?", its claim, and the leases that free the work of an agent that stopped. */
export function coordinationHandlers(ctx: ServiceContext): Handlers<CoordinationOps> {
  const { store, roles } = ctx;

  /** Filters must name what exists: a typo would otherwise answer "nothing ready" forever. */
  async function checkFilters(input: OpArgs<'next_task'>): Promise<void> {
    if (input.role !== undefined) roles.require(input.role, 'role');
    if (input.project_id !== undefined) {
      const found = await store.existing('project', [input.project_id]);
      if (!found.has(input.project_id)) {
        throw BinderyError.validation([
          { field: 'project_id', reason: `no project with id ${input.project_id}` },
        ]);
      }
    }
    if (input.claim && input.role_name === undefined) {
      throw BinderyError.validation([{ field: 'role_name', reason: 'is required with claim: true' }]);
    }
  }

  return {
    async next_task(input) {
      await checkFilters(input);
      const role = input.claim ? roles.require(input.role_name!, 'role_name') : undefined;
      const now = ctx.now();
      await store.expireLeases(now.toISOString());
      const filter = {
        project_id: input.project_id,
        project_ids: reachableProjects(),
        role: input.role,
        tag: input.tag,
      };
      const picked = await store.nextTask(
        filter,
        role && ((task: Task) => executionClaim(task.id, role, now, input.lease_s)),
      );
      if (!picked.task) return { task: null, reason: null, ready_count: 0, waiting_count: picked.waiting };
      // The reason counts links: only those a project-limited token may see (docs/access.md).
      const answer = {
        task: picked.task,
        reason: readyReason(await hideOtherProjects(store, picked.task)),
        ready_count: Math.max(0, picked.ready - 1),
      };
      if (!picked.claimed || !role) return answer;
      return {
        ...answer,
        execution: await executionBrief(store, picked.claimed.task, role, picked.claimed.execution),
      };
    },

    async heartbeat_execution({ execution_id, lease_s }) {
      const now = ctx.now();
      const expires = new Date(now.getTime() + (lease_s ?? DEFAULT_LEASE_S) * 1000).toISOString();
      // A project-limited token reaches only its projects' executions: another's answers as a missing one.
      const execution = await store.heartbeatExecution(
        execution_id,
        now.toISOString(),
        expires,
        reachableProjects(),
      );
      return { success: true as const, execution_id, lease_expires_at: execution.lease_expires_at! };
    },

    async list_executions(input) {
      await store.expireLeases(ctx.now().toISOString());
      const filter = {
        task_id: input.task_id,
        status: input.status,
        role: input.role,
        project_ids: reachableProjects(),
      };
      return store.listExecutions(filter, pageRequest(input));
    },
  };
}

/** One line on why this task comes first: "urgent, due 2026-12-01, 2 dependencies done". */
export function readyReason(task: Task): string {
  const parts: string[] = [`${task.priority} priority`];
  if (task.due_at) parts.push(`due ${task.due_at.slice(0, 10)}`);
  parts.push(
    task.depends_on.length
      ? `${plural(task.depends_on.length, 'dependency', 'dependencies')} done`
      : 'no dependencies',
  );
  if (task.children.length) parts.push(`${plural(task.children.length, 'subtask')} finished`);
  return parts.join(', ');
}
