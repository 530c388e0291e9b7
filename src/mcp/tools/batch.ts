import {
  BatchResult,
  CompleteTasksInput,
  ExportPlanInput,
  ExportPlanResult,
  ImportPlanInput,
  ImportPlanResult,
  MAX_PLAN_CHARS,
  UpdateTasksInput,
} from '../../contract/index.js';
import { ADVANCE, CREATE, defineTool, OVERWRITE, READ } from './define.js';

/** Many tasks in one call: batch changes and Markdown plans (docs/plans.md). */
export const batchTools = [
  defineTool({
    name: 'update_tasks',
    description:
      'update_task for up to 500 tasks in one transaction. atomic (default): all or nothing, the error ' +
      'names each failing item; atomic false: applies what it can, a result per item.',
    params: UpdateTasksInput.shape,
    // Some clients send a nested list as its JSON text.
    jsonParams: { items: 'the items, or a JSON string of them' },
    output: BatchResult,
    annotations: OVERWRITE,
    run: (args, { api }) => api.update_tasks(args),
  }),
  defineTool({
    name: 'complete_tasks',
    description: 'complete_task for up to 500 tasks in one transaction; atomic as in update_tasks.',
    params: CompleteTasksInput.shape,
    output: BatchResult,
    annotations: ADVANCE,
    run: (args, { api }) => api.complete_tasks(args),
  }),
  defineTool({
    name: 'import_plan',
    description:
      'Create a task tree from a Markdown plan: headings and "- [ ]" items (indent = subtask), indented ' +
      'text = description, marks @role #tag !high due:2026-12-01 after:"Title"|after:<n>, "- [x]" = done.',
    params: ImportPlanInput.shape,
    stringLimits: { markdown: MAX_PLAN_CHARS },
    output: ImportPlanResult,
    annotations: CREATE,
    run: (args, { api }) => api.import_plan(args),
  }),
  defineTool({
    name: 'export_plan',
    description: 'A project (project_id) or a task tree (task_id) as a Markdown plan import_plan reads back.',
    params: ExportPlanInput.shape,
    output: ExportPlanResult,
    annotations: READ,
    run: (args, { api }) => api.export_plan(args),
  }),
];
