import { LRUCache } from 'lru-cache';

interface Known {
  parent: string | null;
  /** undefined: not seen yet (a child id seen only in its parent's `children`). */
  project?: string | null;
}

/** Longest parent chain walked; deeper than any tree the server accepts plus moves. */
const MAX_DEPTH = 1_000;

/**
 * What this client has seen of the task tree: parent and project of every task in an answer. Invalidation
 * asks it what a mutation can reach (the old parent of a moved task, the subtree of a deleted one); where it
 * knows nothing it says so, and the caller invalidates more rather than less. Bounded, so it forgets the
 * least recently seen tasks.
 */
export class TaskGraph {
  private readonly known = new LRUCache<string, Known>({ max: 10_000 });

  /** Record every task or task summary in an answer (pages, briefs, dashboards), not looking inside tasks. */
  learn(value: unknown): void {
    if (Array.isArray(value)) {
      for (const item of value) this.learn(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const task = value as Record<string, unknown>;
    if (typeof task.id === 'string' && 'parent_id' in task && ('children' in task || 'child_count' in task)) {
      this.known.set(task.id, {
        parent: task.parent_id as string | null,
        project: task.project_id as string | null,
      });
      if (Array.isArray(task.children)) {
        for (const child of task.children as string[]) {
          this.known.set(child, { parent: task.id, project: this.known.peek(child)?.project });
        }
      }
      return;
    }
    for (const field of Object.values(task)) this.learn(field);
  }

  /** null: a top-level task; undefined: unknown. */
  parentOf(id: string): string | null | undefined {
    return this.known.peek(id)?.parent;
  }

  projectOf(id: string): string | null | undefined {
    return this.known.peek(id)?.project;
  }

  /**
   * False only when the known ancestry of `id` reaches a top-level task without passing `root`; `parent`
   * is the task's own parent when the caller holds the task.
   */
  mayBeUnder(id: string, root: string, parent?: string | null): boolean {
    let current: string | null | undefined = id;
    let next = parent === undefined ? this.parentOf(id) : parent;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      if (current === root) return true;
      if (next === null) return false;
      if (next === undefined) return true;
      current = next;
      next = this.parentOf(current);
    }
    return true;
  }
}
