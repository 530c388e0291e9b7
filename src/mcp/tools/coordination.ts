import {
  ExecutionPage,
  HeartbeatInput,
  HeartbeatResult,
  ListExecutionsInput,
  NextTaskInput,
  NextTaskResult,
} from '../../contract/index.js';
import { ADVANCE, defineTool, OVERWRITE, READ } from './define.js';

export const coordinationTools = [
  defineTool({
    name: 'next_task',
    description:
      'Best ready task (dependencies and subtasks done), urgent and due first. claim: true starts it ' +
      'like execute_task.',
    params: NextTaskInput.shape,
    output: NextTaskResult,
    annotations: ADVANCE,
    run: (args, { api }) => api.next_task(args),
  }),
  defineTool({
    name: 'heartbeat_execution',
    description: 'Extend a running execution’s lease.',
    params: HeartbeatInput.shape,
    output: HeartbeatResult,
    annotations: OVERWRITE,
    run: (args, { api }) => api.heartbeat_execution(args),
  }),
  defineTool({
    name: 'list_executions',
    description: 'List executions, newest first: who works on what, and past runs.',
    params: ListExecutionsInput.shape,
    output: ExecutionPage,
    annotations: READ,
    run: (args, { api }) => api.list_executions(args),
  }),
];
