import {
  type BatchItemError,
  type BatchItemResult,
  type BatchResult,
  BinderyError,
  batchItemError,
  ERROR_INFO,
  type FieldIssue,
  type TaskStatus,
} from '../contract/index.js';
import type { BatchMode, TaskWrite } from '../store/types.js';
import type { Handlers, ServiceContext } from './context.js';
import {
  completionWrite,
  missingReferences,
  noReferences,
  type References,
  taskUpdateWrite,
} from './tasks.js';

/**
 * update_tasks and complete_tasks: each item is prepared exactly as its single-task call would be
 * (tasks.ts), then every write runs in one store transaction. Atomic (the default) commits all or nothing
 * and refuses the call naming every failing item; otherwise what can be applied is, item by item.
 */
export function batchHandlers(ctx: ServiceContext): Handlers<'update_tasks' | 'complete_tasks'> {
  const { store } = ctx;

  /** `prepare(index, status, refs)` builds item `index`'s write; a BinderyError it throws fails that item. */
  async function run(
    taskIds: readonly string[],
    atomic: boolean,
    prepare: (index: number, status: TaskStatus, refs: References) => TaskWrite,
  ): Promise<BatchResult> {
    const summaries = await store.getTaskSummaries([...new Set(taskIds)]);
    const statuses = new Map(summaries.map((s) => [s.id, s.status]));
    const errors = new Map<number, BatchItemError>();
    const prepared: { index: number; write: TaskWrite; refs: References }[] = [];
    taskIds.forEach((id, index) => {
      const status = statuses.get(id);
      const refs = noReferences();
      try {
        if (status === undefined) throw BinderyError.notFound('task', id);
        prepared.push({ index, write: prepare(index, status, refs), refs });
      } catch (error) {
        if (!(error instanceof BinderyError)) throw error;
        errors.set(index, batchItemError(error));
      }
    });
    // One existence check for every reference of every item, then each item's own missing ones.
    const all = noReferences();
    for (const { refs } of prepared) {
      for (const [field, id] of refs.tasks) all.tasks.set(field, id);
      for (const [field, id] of refs.projects) all.projects.set(field, id);
    }
    const missing = new Map<number, FieldIssue[]>();
    for (const issue of await missingReferences(store, all)) {
      const index = Number(issue.field.split('.')[1]);
      missing.set(index, [...(missing.get(index) ?? []), issue]);
    }
    for (const [index, issues] of missing) errors.set(index, batchItemError(BinderyError.validation(issues)));

    const writes = prepared.filter(({ index }) => !errors.has(index));
    const mode: BatchMode = !atomic ? 'each' : errors.size ? 'check' : 'all';
    const { committed, outcomes } = writes.length
      ? await store.updateTasks(
          writes.map((w) => w.write),
          mode,
        )
      : { committed: false, outcomes: [] };
    const applied = new Map<number, { version: number; status: TaskStatus }>();
    outcomes.forEach((outcome, i) => {
      const { index } = writes[i]!;
      if (outcome.ok) applied.set(index, { version: outcome.version, status: outcome.status });
      else errors.set(index, outcome.error);
    });

    if (atomic && errors.size) throw batchRefused(taskIds, errors);
    const results: BatchItemResult[] = taskIds.map((task_id, index) => {
      const error = errors.get(index);
      if (error) return { index, task_id, ok: false, error };
      const done = applied.get(index)!;
      return { index, task_id, ok: true, version: done.version, status: done.status };
    });
    return {
      atomic,
      succeeded: committed ? applied.size : 0,
      failed: errors.size,
      results,
    };
  }

  return {
    update_tasks: ({ items, atomic = true }) =>
      run(
        items.map((item) => item.task_id),
        atomic,
        (index, status, refs) => taskUpdateWrite(ctx, status, items[index]!, refs, `items.${index}.`),
      ),
    complete_tasks: ({ task_ids, completion_notes, atomic = true }) =>
      run(task_ids, atomic, (index, status) =>
        completionWrite(ctx, status, { task_id: task_ids[index]!, completion_notes }),
      ),
  };
}

/**
 * The refusal of an atomic batch: each failing item with its reason. Its code and HTTP status are those of
 * the first failing item, what a single call would have answered; the others are in `details.failures`.
 */
function batchRefused(taskIds: readonly string[], errors: Map<number, BatchItemError>): BinderyError {
  const failures = [...errors]
    .sort(([a], [b]) => a - b)
    .map(([index, error]) => ({ index, task_id: taskIds[index]!, ...error }));
  const first = failures[0]!;
  const listed = failures
    .slice(0, 20)
    .map((f) => `item ${f.index} (task ${f.task_id}): ${f.message}`)
    .join(' ');
  const more = failures.length > 20 ? ` …and ${failures.length - 20} more in details.failures.` : '';
  return new BinderyError(
    first.code,
    `${failures.length} of ${taskIds.length} items failed, so nothing was changed. ${listed}${more}`,
    { details: { failures }, httpStatus: ERROR_INFO[first.code].httpStatus },
  );
}
