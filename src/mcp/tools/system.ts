import { Dashboard, Empty, RoleList, VersionInfo } from '../../contract/index.js';
import { HealthReport } from '../health.js';
import { defineTool, READ } from './define.js';

export const systemTools = [
  defineTool({
    name: 'get_dashboard_stats',
    description: 'Workspace overview: task counts, completion rate, overdue and upcoming tasks, projects.',
    params: Empty.shape,
    output: Dashboard,
    annotations: READ,
    run: (_args, { api }) => api.get_task_dashboard({}),
  }),
  defineTool({
    name: 'list_roles',
    description: 'The roles a task can be assigned or executed as, with their rules.',
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
    description: 'Whether Bindery works: backend, store, breaker, cache, retries, security counters.',
    params: Empty.shape,
    output: HealthReport,
    annotations: READ,
    run: (_args, { health }) => health(),
  }),
];
