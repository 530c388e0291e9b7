import { OPEN_STATUSES } from '../contract/index.js';
import { reachableProjects } from '../store/actor.js';
import type { Handlers, ServiceContext } from './context.js';

type SystemOps = 'list_roles' | 'get_task_dashboard' | 'version_info';

export function systemHandlers({ store, roles, now, version }: ServiceContext): Handlers<SystemOps> {
  return {
    async list_roles() {
      const list = roles.list();
      return { success: true as const, roles: list, total_roles: list.length };
    },

    async get_task_dashboard() {
      // A project-limited token's dashboard counts its projects only (docs/access.md).
      const counts = await store.dashboardCounts(now(), reachableProjects());
      const rate = counts.total_tasks ? (counts.completed_tasks / counts.total_tasks) * 100 : 0;
      const open = OPEN_STATUSES.reduce((sum, status) => sum + counts.status_breakdown[status], 0);
      return { ...counts, open_tasks: open, completion_rate: Math.round(rate * 100) / 100 };
    },

    async version_info() {
      const info = await store.info();
      return { name: 'bindery' as const, version, store: store.kind, schema_version: info.schema_version };
    },
  };
}
