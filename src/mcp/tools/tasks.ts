import { z } from 'zod';
import {
  CreateTaskInput,
  DeleteTaskResult,
  Description,
  ExecuteTaskInput,
  ExecuteTaskResult,
  ExecutionBrief,
  Id,
  ListTasksInput,
  RoleName,
  Task,
  TaskPage,
  TaskUpdate,
} from '../../contract/index.js';
import { ADVANCE, CREATE, defineTool, OVERWRITE, READ, REMOVE } from './define.js';

const RoleNameParam = RoleName.describe('A role name from list_roles, e.g. implementer.');

export const taskTools = [
  defineTool({
    name: 'create_task',
    description:
      'Create a task, optionally with a tree of nested subtasks (up to 10 levels) created all at once. ' +
      'Returns the full task with the ids of its direct subtasks in children.',
    params: { task_input: CreateTaskInput },
    jsonParams: { task_input: 'The task, with nested subtasks' },
    output: Task,
    annotations: CREATE,
    run: ({ task_input }, { api }) => api.create_task(task_input),
  }),
  defineTool({
    name: 'get_task',
    description: 'Read one task with all its fields, its subtask and dependency ids among them.',
    params: { task_id: Id },
    output: Task,
    annotations: READ,
    run: (args, { api }) => api.get_task(args),
  }),
  defineTool({
    name: 'update_task',
    description:
      'Change the given fields of a task; the others stay. With expected_version (the version you read), ' +
      'never over someone else’s change.',
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
    description: 'List tasks, newest first, by any of the filters; summaries unless detail is "full".',
    params: ListTasksInput.shape,
    output: TaskPage,
    annotations: READ,
    run: (args, { api }) => api.list_tasks(args),
  }),
  defineTool({
    name: 'delete_task',
    description: 'Delete a task and all its subtasks. This cannot be undone.',
    params: { task_id: Id },
    output: DeleteTaskResult,
    annotations: REMOVE,
    run: (args, { api }) => api.delete_task(args),
  }),
  defineTool({
    name: 'complete_task',
    description: 'Mark a task done, with optional notes; closes its running execution if any.',
    params: {
      task_id: Id,
      completion_notes: Description.optional().describe('What was done, for whoever reads the task next.'),
    },
    output: z.strictObject({ success: z.literal(true), task: Task, completion_notes: z.string().nullable() }),
    annotations: ADVANCE,
    async run(args, { api }) {
      const task = await api.complete_task(args);
      return { success: true as const, task, completion_notes: task.completion_notes };
    },
  }),
  defineTool({
    name: 'execute_task',
    description:
      'Start work on a task as a role: assigns it, moves the task to doing and returns a brief (task, ' +
      'subtasks, dependencies, the role’s rules). Refused while another execution runs unless force.',
    params: {
      task_id: Id,
      role_name: RoleNameParam,
      force: ExecuteTaskInput.shape.force,
    },
    renamed: { role: 'role_name' },
    output: z.strictObject({
      success: z.literal(true),
      task_id: Id,
      role_assigned: z.string(),
      execution_id: ExecuteTaskResult.shape.execution_id,
      brief: ExecutionBrief,
    }),
    annotations: ADVANCE,
    async run({ task_id, role_name, force }, { api }) {
      const result = await api.execute_task({ task_id, role: role_name, force });
      return {
        success: true as const,
        task_id,
        role_assigned: result.role,
        execution_id: result.execution_id,
        brief: result.brief,
      };
    },
  }),
  defineTool({
    name: 'assign_role_to_task',
    description: 'Assign a role (see list_roles) to a task without starting an execution.',
    params: { task_id: Id, role_name: RoleNameParam },
    renamed: { role: 'role_name' },
    output: z.strictObject({ success: z.literal(true), task_id: Id, role_assigned: z.string(), task: Task }),
    annotations: OVERWRITE,
    async run({ task_id, role_name }, { api }) {
      const task = await api.assign_role_to_task({ task_id, role: role_name });
      return { success: true as const, task_id, role_assigned: task.role ?? role_name, task };
    },
  }),
];
