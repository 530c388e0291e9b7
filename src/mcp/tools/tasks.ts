import {
  AssignRoleInput,
  AssignRoleResult,
  CompleteTaskResult,
  CreateTaskInput,
  DeleteTaskResult,
  Description,
  ExecuteTaskInput,
  ExecuteTaskResult,
  Id,
  ListChildrenInput,
  ListTasksInput,
  Task,
  TaskPage,
  TaskSummaryPage,
  TaskUpdate,
} from '../../contract/index.js';
import { ADVANCE, CREATE, defineTool, OVERWRITE, READ, REMOVE } from './define.js';

export const taskTools = [
  defineTool({
    name: 'create_task',
    description:
      'Create a task, optionally with nested subtasks (10 levels). Accepts YYYY-MM-DD dates (end of day ' +
      'UTC), enums in any case, subtasks as plain titles.',
    params: { task_input: CreateTaskInput },
    jsonParams: { task_input: 'The task, with nested subtasks' },
    output: Task,
    annotations: CREATE,
    run: ({ task_input }, { api }) => api.create_task(task_input),
  }),
  defineTool({
    name: 'get_task',
    description: 'Read one task with all its fields.',
    params: { task_id: Id },
    output: Task,
    annotations: READ,
    run: (args, { api }) => api.get_task(args),
  }),
  defineTool({
    name: 'update_task',
    description:
      'Change the given fields of a task. With expected_version, never over someone else’s change.',
    params: {
      task_id: Id,
      task_update: TaskUpdate,
    },
    jsonParams: { task_update: 'The fields to change' },
    output: Task,
    annotations: OVERWRITE,
    run: ({ task_id, task_update }, { api }) => api.update_task({ ...task_update, task_id }),
  }),
  defineTool({
    name: 'list_tasks',
    description: 'List tasks, newest first, by any filters; summaries unless detail is "full".',
    params: ListTasksInput.shape,
    output: TaskPage,
    annotations: READ,
    run: (args, { api }) => api.list_tasks(args),
  }),
  defineTool({
    name: 'delete_task',
    description: 'Delete a task and its subtasks, for good.',
    params: { task_id: Id },
    output: DeleteTaskResult,
    annotations: REMOVE,
    run: (args, { api }) => api.delete_task(args),
  }),
  defineTool({
    name: 'complete_task',
    description: 'Mark a task done, with optional notes; ends its execution.',
    params: {
      task_id: Id,
      completion_notes: Description.optional().describe('What was done.'),
    },
    output: CompleteTaskResult,
    annotations: ADVANCE,
    run: (args, { api }) => api.complete_task(args),
  }),
  defineTool({
    name: 'execute_task',
    description:
      'Start a task as a role: sets doing, returns a brief and lease_expires_at. Refused while another ' +
      'execution runs unless force.',
    params: ExecuteTaskInput.shape,
    output: ExecuteTaskResult,
    annotations: ADVANCE,
    run: (args, { api }) => api.execute_task(args),
  }),
  defineTool({
    name: 'assign_role_to_task',
    description: 'Assign a role to a task without starting it.',
    params: AssignRoleInput.shape,
    output: AssignRoleResult,
    annotations: OVERWRITE,
    run: (args, { api }) => api.assign_role_to_task(args),
  }),
  defineTool({
    name: 'list_children',
    description:
      'List the direct subtasks of a task, oldest first; pass next_cursor back as cursor for more.',
    params: ListChildrenInput.shape,
    output: TaskSummaryPage,
    annotations: READ,
    run: (args, { api }) => api.list_children(args),
  }),
];
