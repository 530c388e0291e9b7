import { useMemo, useState } from 'preact/hooks';
import type { Task, TaskStatus } from '../../src/contract/task.js';
import { RunningBadge } from './lease.js';
import {
  type BoardModel,
  blockedBy,
  byPriority,
  FLASH_MS,
  isFinished,
  matches,
  type Relations,
  relations,
  STATUSES,
} from './model.js';

/** Cards a column shows before "show more": long columns are paged so 5,000 tasks render at once. */
export const COLUMN_PAGE = 50;

const LABELS: Record<TaskStatus, string> = {
  todo: 'To do',
  doing: 'Doing',
  review: 'Review',
  done: 'Done',
  blocked: 'Blocked',
  cancelled: 'Cancelled',
};

export function dueLabel(due: string | null): string {
  return due ? due.slice(0, 10) : '';
}

function Card(props: {
  task: Task;
  model: BoardModel;
  rel: Relations;
  statuses: readonly TaskStatus[];
  now: number;
}) {
  const { task, model, rel, statuses, now } = props;
  const subtasks = rel.children.get(task.id) ?? [];
  const finished = subtasks.filter((child) => isFinished(child)).length;
  const blocked = blockedBy(task, model.tasks);
  const execution = model.running.get(task.id);
  const flashedAt = model.flash.get(task.id);
  const flashing = flashedAt !== undefined && now - flashedAt < FLASH_MS;
  const overdue = task.due_at !== null && !isFinished(task) && task.due_at < new Date(now).toISOString();
  const move = (step: number) => {
    const next = statuses[statuses.indexOf(task.status) + step];
    if (next) void model.update(task, { status: next });
  };
  return (
    <li
      class={`card priority-${task.priority}${flashing ? ' flash' : ''}`}
      data-id={task.id}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a draggable card is focused to move it by keyboard
      tabIndex={0}
      draggable
      aria-roledescription="draggable task"
      aria-describedby="drag-help"
      aria-label={`${task.title}, ${task.priority} priority`}
      onDragStart={(event) => {
        event.dataTransfer?.setData('text/plain', task.id);
        if (event.dataTransfer) event.dataTransfer.effectAllowed = 'move';
      }}
      onClick={() => model.setFilters({ task: task.id })}
      onKeyDown={(event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          model.setFilters({ task: task.id });
        } else if (event.altKey && (event.key === 'ArrowRight' || event.key === 'ArrowLeft')) {
          event.preventDefault();
          move(event.key === 'ArrowRight' ? 1 : -1);
        }
      }}
    >
      <div class="card-title">{task.title}</div>
      <div class="card-meta">
        <span class={`badge pri pri-${task.priority}`}>{task.priority}</span>
        {task.role && <span class="badge role">@{task.role}</span>}
        {execution && <RunningBadge execution={execution} />}
        {task.due_at && (
          <span class={`badge due${overdue ? ' overdue' : ''}`}>due {dueLabel(task.due_at)}</span>
        )}
        {subtasks.length > 0 && (
          <span class="badge progress" title="subtasks done">
            {finished}/{subtasks.length}
          </span>
        )}
        {blocked > 0 && <span class="badge blocked">blocked by {blocked}</span>}
      </div>
      {task.tags.length > 0 && (
        <div class="card-tags">
          {task.tags.map((tag) => (
            <span class="tag" key={tag}>
              #{tag}
            </span>
          ))}
        </div>
      )}
    </li>
  );
}

function Column(props: {
  status: TaskStatus;
  tasks: Task[];
  model: BoardModel;
  rel: Relations;
  statuses: readonly TaskStatus[];
  now: number;
}) {
  const { status, tasks, model } = props;
  const [shown, setShown] = useState(COLUMN_PAGE);
  const [over, setOver] = useState(false);
  return (
    <section
      class={`column${over ? ' over' : ''}`}
      data-status={status}
      aria-labelledby={`col-${status}`}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        const task = model.tasks.get(event.dataTransfer?.getData('text/plain') ?? '');
        if (task && task.status !== status) void model.update(task, { status });
      }}
    >
      <h2 id={`col-${status}`}>
        {LABELS[status]} <span class="count">{tasks.length}</span>
      </h2>
      <ul class="cards" aria-labelledby={`col-${status}`}>
        {tasks.slice(0, shown).map((task) => (
          <Card key={task.id} task={task} {...props} />
        ))}
      </ul>
      {tasks.length > shown && (
        <button type="button" class="more" onClick={() => setShown(shown + COLUMN_PAGE * 4)}>
          Show more ({tasks.length - shown} left)
        </button>
      )}
    </section>
  );
}

export function Board({ model }: { model: BoardModel }) {
  const { filters } = model;
  const statuses = STATUSES.filter((s) => s !== 'cancelled' || filters.cancelled);
  // The grouping is redone when the model changes (revision), not on every render.
  const { columns, rel } = useMemo(() => {
    const columns = new Map<TaskStatus, Task[]>(STATUSES.map((s) => [s, []]));
    for (const task of model.tasks.values()) if (matches(task, filters)) columns.get(task.status)!.push(task);
    for (const list of columns.values()) list.sort(byPriority);
    return { columns, rel: relations(model.tasks) };
  }, [model.revision, filters]);
  const now = Date.now();
  return (
    <section
      class="board"
      aria-label="Task board"
      data-tasks={model.timings.tasks}
      data-load-ms={Math.round(model.timings.loadMs)}
      data-ready-at={Math.round(model.timings.readyAt)}
    >
      <p id="drag-help" class="sr-only">
        Press Enter to open the task; Alt plus Left or Right arrow moves it to the previous or next column.
      </p>
      {statuses.map((status) => (
        <Column
          key={status}
          status={status}
          tasks={columns.get(status)!}
          model={model}
          rel={rel}
          statuses={statuses}
          now={now}
        />
      ))}
    </section>
  );
}
