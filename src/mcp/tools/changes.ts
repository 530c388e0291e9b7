import { GetHistoryInput, HistoryPage } from '../../contract/index.js';
import { defineTool, READ } from './define.js';

export const changeTools = [
  defineTool({
    name: 'get_history',
    description:
      'Who changed a task, project or note, when, and which fields (status changes with from/to), newest ' +
      'first; also for a deleted one (its last entry says who deleted it). Pass next_cursor back as cursor for more.',
    params: GetHistoryInput.shape,
    output: HistoryPage,
    annotations: READ,
    run: (args, { api }) => api.get_history(args),
  }),
];
