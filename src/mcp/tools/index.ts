import { batchTools } from './batch.js';
import { boardTools } from './board.js';
import { changeTools } from './changes.js';
import { coordinationTools } from './coordination.js';
import type { Tool } from './define.js';
import { knowledgeTools } from './knowledge.js';
import { projectTools } from './projects.js';
import { systemTools } from './system.js';
import { taskTools } from './tasks.js';

export type { Tool, ToolContext } from './define.js';

/** Every tool, in the order tools/list shows them. */
export const TOOLS: readonly Tool[] = [
  ...taskTools,
  ...coordinationTools,
  ...batchTools,
  ...projectTools,
  ...knowledgeTools,
  ...changeTools,
  ...systemTools,
  ...boardTools,
];
