import { Dashboard, Empty, RoleList, VersionInfo } from '../../contract/index.js';
import { HealthReport } from '../health.js';
import { defineTool, READ } from './define.js';

export const systemTools = [
  defineTool({
    name: 'get_dashboard_stats',
    description:
      'Workspace overview: task counts by status and priority, completion rate, overdue and upcoming ' +
      'tasks, active projects, newest tasks.',
    params: Empty.shape,
    output: Dashboard,
    annotations: READ,
    run: (_args, { api }) => api.get_task_dashboard({}),
  }),
  defineTool({
    name: 'list_roles',
    description:
      'The roles a task can be assigned or executed as, with capabilities, file patterns and restrictions.',
    params: Empty.shape,
    output: RoleList,
    annotations: READ,
    run: (_args, { api }) => api.list_roles({}),
  }),
  defineTool({
    name: 'version_info',
    description: 'The Bindery version, its store (sqlite or postgres) and the store schema version.',
    params: Empty.shape,
    output: VersionInfo,
    annotations: READ,
    run: (_args, { api }) => api.version_info({}),
  }),
  defineTool({
    name: 'health_check',
    description:
      'Whether Bindery works: backend, store, the client’s breaker, cache and retries, security counters. ' +
      'Unhealthy when the backend does not answer.',
    params: Empty.shape,
    output: HealthReport,
    annotations: READ,
    run: (_args, { health }) => health(),
  }),
];
