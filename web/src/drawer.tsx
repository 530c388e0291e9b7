import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Change } from '../../src/contract/change.js';
import type { Note } from '../../src/contract/note.js';
import type { Execution } from '../../src/contract/role.js';
import type { Task, TaskPriority, TaskStatus } from '../../src/contract/task.js';
import { call } from './api.js';
import { dueLabel } from './board.js';
import { LeaseLeft } from './lease.js';
import { type BoardModel, PRIORITIES, type Relations, relations, STATUSES } from './model.js';

/** Markdown to HTML, then DOMPurify: scripts, handlers and javascript: links never reach the page. */
export function markdown(text: string): string {
  return DOMPurify.sanitize(marked.parse(text, { async: false }));
}

/** The editable fields as the form holds them (text inputs), and the patch they make against a task. */
interface Draft {
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  tags: string;
  role: string;
  due: string;
}

function draftOf(task: Task): Draft {
  return {
    title: task.title,
    description: task.description,
    status: task.status,
    priority: task.priority,
    tags: task.tags.join(', '),
    role: task.role ?? '',
    due: dueLabel(task.due_at),
  };
}

export function fieldsOf(draft: Draft): Partial<Task> {
  return {
    title: draft.title.trim(),
    description: draft.description,
    status: draft.status,
    priority: draft.priority,
    tags: draft.tags
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean),
    role: draft.role.trim() || null,
    due_at: draft.due ? `${draft.due}T00:00:00.000Z` : null,
  };
}

/** Only the fields that differ from the task, so a save never writes back what someone else changed. */
function patchOf(task: Task, draft: Draft): Partial<Task> {
  const fields = fieldsOf(draft) as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (JSON.stringify(value) !== JSON.stringify((task as Record<string, unknown>)[key])) patch[key] = value;
  }
  return patch as Partial<Task>;
}

export function TaskFields(props: { draft: Draft; set: (draft: Draft) => void; idPrefix: string }) {
  const { draft, set, idPrefix } = props;
  const field = (name: keyof Draft) => ({
    id: `${idPrefix}-${name}`,
    name,
    value: draft[name],
    onInput: (event: Event) => set({ ...draft, [name]: (event.target as HTMLInputElement).value }),
  });
  return (
    <div class="fields">
      <label for={`${idPrefix}-title`}>Title</label>
      <input
        {...field('title')}
        required
        maxLength={500}
        // biome-ignore lint/a11y/noAutofocus: the form opens on request; its first field takes the focus
        autoFocus
      />
      <label for={`${idPrefix}-description`}>Description (Markdown)</label>
      <textarea {...field('description')} rows={5} />
      <label for={`${idPrefix}-status`}>Status</label>
      <select {...field('status')}>
        {STATUSES.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      <label for={`${idPrefix}-priority`}>Priority</label>
      <select {...field('priority')}>
        {PRIORITIES.map((p) => (
          <option key={p}>{p}</option>
        ))}
      </select>
      <label for={`${idPrefix}-tags`}>Tags (comma separated)</label>
      <input {...field('tags')} />
      <label for={`${idPrefix}-role`}>Role</label>
      <input {...field('role')} />
      <label for={`${idPrefix}-due`}>Due</label>
      <input {...field('due')} type="date" />
    </div>
  );
}

export const emptyDraft = (): Draft => ({
  title: '',
  description: '',
  status: 'todo',
  priority: 'normal',
  tags: '',
  role: '',
  due: '',
});

function TaskLink({ model, id }: { model: BoardModel; id: string }) {
  const task = model.tasks.get(id);
  return (
    <a
      href={`?task=${id}`}
      onClick={(event) => {
        event.preventDefault();
        model.setFilters({ task: id });
      }}
    >
      {task ? task.title : id}
      {task && <span class={`status-dot s-${task.status}`}> ({task.status})</span>}
    </a>
  );
}

function Subtasks({ model, rel, id }: { model: BoardModel; rel: Relations; id: string }) {
  const children = rel.children.get(id) ?? [];
  if (children.length === 0) return null;
  return (
    <ul class="subtasks">
      {children.map((child) => (
        <li key={child.id}>
          {(rel.children.get(child.id) ?? []).length > 0 ? (
            <details open>
              <summary>
                <TaskLink model={model} id={child.id} />
              </summary>
              <Subtasks model={model} rel={rel} id={child.id} />
            </details>
          ) : (
            <TaskLink model={model} id={child.id} />
          )}
        </li>
      ))}
    </ul>
  );
}

function describeChange(change: Change): string {
  if (change.from && change.to) return `${change.from} → ${change.to}`;
  if (change.op !== 'updated') return change.op;
  return `changed ${change.fields.join(', ')}`;
}

/** `2026-12-06 17:48`: a timestamp to the minute, as the drawer lists them. */
const stamp = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/** The task's executions, newest first: who ran it, how it ended, and the lease of a running one. */
function Executions({ model, task }: { model: BoardModel; task: Task }) {
  const [items, setItems] = useState<Execution[] | null>(null);
  useEffect(() => {
    call('list_executions', { task_id: task.id, limit: 50 })
      .then((page) => setItems(page.items))
      .catch(() => setItems([]));
  }, [task.id, task.version, model.executionRevision]);
  if (items === null) return <p>Loading…</p>;
  if (items.length === 0) return <p class="muted">Never executed.</p>;
  return (
    <table class="executions">
      <thead>
        <tr>
          <th>Role</th>
          <th>Status</th>
          <th>Started</th>
          <th>Completed</th>
          <th>Lease</th>
        </tr>
      </thead>
      <tbody>
        {items.map((execution) => (
          <tr key={execution.id} data-id={execution.id}>
            <td>{execution.role}</td>
            <td class={`exec-${execution.status}`}>{execution.status}</td>
            <td>
              <time dateTime={execution.started_at}>{stamp(execution.started_at)}</time>
            </td>
            <td>
              {execution.finished_at ? (
                <time dateTime={execution.finished_at}>{stamp(execution.finished_at)}</time>
              ) : (
                '—'
              )}
            </td>
            <td>
              {execution.status === 'running' ? <LeaseLeft expiresAt={execution.lease_expires_at} /> : '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function History({ task }: { task: Task }) {
  const [items, setItems] = useState<Change[] | null>(null);
  useEffect(() => {
    call('get_history', { entity: 'task', id: task.id, limit: 50 })
      .then((page) => setItems(page.items))
      .catch(() => setItems([]));
  }, [task.id, task.version]);
  if (items === null) return <p>Loading…</p>;
  return (
    <ol class="history">
      {items.map((change) => (
        <li key={change.seq}>
          <time dateTime={change.at}>{stamp(change.at)}</time> <strong>{change.actor}</strong>{' '}
          {describeChange(change)} <span class="muted">v{change.version}</span>
        </li>
      ))}
    </ol>
  );
}

function ProjectNotes({ projectId }: { projectId: string }) {
  const [notes, setNotes] = useState<Note[]>([]);
  useEffect(() => {
    call('list_notes', { project_id: projectId, limit: 20 })
      .then((page) => setNotes(page.items as Note[]))
      .catch(() => setNotes([]));
  }, [projectId]);
  if (notes.length === 0) return <p class="muted">No notes in this project.</p>;
  return (
    <ul class="notes">
      {notes.map((note) => (
        <li key={note.id}>
          <details>
            <summary>{note.title}</summary>
            <div class="markdown" dangerouslySetInnerHTML={{ __html: markdown(note.content) }} />
          </details>
        </li>
      ))}
    </ul>
  );
}

/** Asks before a destructive action; the action runs only on the second, explicit button. */
function Confirm(props: { label: string; question: string; onConfirm: () => void }) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" class="danger" onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  return (
    <span class="confirm" role="alertdialog" aria-label={props.question}>
      {props.question}{' '}
      <button type="button" class="danger" onClick={props.onConfirm}>
        Yes, {props.label.toLowerCase()}
      </button>{' '}
      <button type="button" onClick={() => setAsking(false)}>
        No
      </button>
    </span>
  );
}

export function Drawer({ model, task }: { model: BoardModel; task: Task }) {
  const [editing, setEditing] = useState<{ base: Task; draft: Draft } | null>(null);
  const [subtask, setSubtask] = useState('');
  const closeButton = useRef<HTMLButtonElement>(null);
  // A new task in the drawer: leave any edit, and take the focus there (Escape or × gives it back).
  useEffect(() => {
    setEditing(null);
    closeButton.current?.focus();
  }, [task.id]);
  const rel = relations(model.tasks);
  const close = () => {
    model.setFilters({ task: '' });
    document.querySelector<HTMLElement>(`.card[data-id="${task.id}"]`)?.focus();
  };
  const save = async (event: Event) => {
    event.preventDefault();
    if (!editing) return;
    const patch = patchOf(editing.base, editing.draft);
    // On a conflict the dialog takes over (re-apply or discard); the form closes either way.
    if (Object.keys(patch).length > 0) await model.update(editing.base, patch);
    setEditing(null);
  };
  const dependents = rel.dependents.get(task.id) ?? [];
  return (
    <dialog
      open
      class="drawer"
      aria-labelledby="drawer-title"
      onKeyDown={(event) => {
        if (event.key === 'Escape') close();
      }}
    >
      <header>
        <h2 id="drawer-title">{task.title}</h2>
        <button type="button" class="close" aria-label="Close" ref={closeButton} onClick={close}>
          ×
        </button>
      </header>
      <p class="muted">
        {task.status} · {task.priority} · v{task.version} · last by {task.updated_by}
      </p>
      {editing ? (
        <form onSubmit={save} aria-label="Edit task">
          <TaskFields
            draft={editing.draft}
            set={(draft) => setEditing({ ...editing, draft })}
            idPrefix="edit"
          />
          <div class="actions">
            <button type="submit" class="primary">
              Save
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <div class="actions">
            <button type="button" onClick={() => setEditing({ base: task, draft: draftOf(task) })}>
              Edit
            </button>
            {task.status !== 'cancelled' && (
              <Confirm
                label="Cancel task"
                question="Cancel this task?"
                onConfirm={() => void model.update(task, { status: 'cancelled' })}
              />
            )}
            <Confirm
              label="Delete"
              question="Delete this task and its subtasks?"
              onConfirm={() => void model.remove(task)}
            />
          </div>
          <div class="markdown" dangerouslySetInnerHTML={{ __html: markdown(task.description) }} />
          {task.tags.length > 0 && <p>Tags: {task.tags.map((t) => `#${t}`).join(' ')}</p>}
          {task.role && <p>Role: {task.role}</p>}
          {task.due_at && <p>Due: {dueLabel(task.due_at)}</p>}
        </>
      )}
      <h3>Subtasks</h3>
      <Subtasks model={model} rel={rel} id={task.id} />
      <form
        class="inline"
        onSubmit={async (event) => {
          event.preventDefault();
          if (!subtask.trim()) return;
          const created = await model.create({
            title: subtask.trim(),
            parent_id: task.id,
            project_id: task.project_id,
          });
          if (created) setSubtask('');
        }}
      >
        <label for="new-subtask" class="sr-only">
          New subtask
        </label>
        <input
          id="new-subtask"
          placeholder="New subtask"
          value={subtask}
          onInput={(e) => setSubtask((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Add subtask</button>
      </form>
      {task.parent_id && (
        <p>
          Parent: <TaskLink model={model} id={task.parent_id} />
        </p>
      )}
      <h3>Depends on</h3>
      {task.depends_on.length === 0 ? (
        <p class="muted">Nothing.</p>
      ) : (
        <ul>
          {task.depends_on.map((id) => (
            <li key={id}>
              <TaskLink model={model} id={id} />
            </li>
          ))}
        </ul>
      )}
      <h3>Needed by</h3>
      {dependents.length === 0 ? (
        <p class="muted">Nothing.</p>
      ) : (
        <ul>
          {dependents.map((d) => (
            <li key={d.id}>
              <TaskLink model={model} id={d.id} />
            </li>
          ))}
        </ul>
      )}
      <h3>Executions</h3>
      <Executions model={model} task={task} />
      <h3>History</h3>
      <History task={task} />
      {task.project_id && (
        <>
          <h3>Project notes</h3>
          <ProjectNotes projectId={task.project_id} />
        </>
      )}
    </dialog>
  );
}

const SHOWN_FIELDS = ['title', 'description', 'status', 'priority', 'tags', 'role', 'due_at'] as const;
const show = (value: unknown) =>
  value === null || value === undefined ? '—' : Array.isArray(value) ? value.join(', ') : String(value);

/** What changed meanwhile, and the person's choice: re-apply their change on top, or drop it. */
export function ConflictDialog({ model }: { model: BoardModel }) {
  const conflict = model.conflict;
  if (!conflict) return null;
  const { base, current, patch } = conflict;
  const changed = SHOWN_FIELDS.filter((f) => JSON.stringify(base[f]) !== JSON.stringify(current[f]));
  return (
    <div class="modal-back">
      <dialog
        open
        class="modal conflict"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="conflict-title"
      >
        <h2 id="conflict-title">Someone changed this task meanwhile</h2>
        <p>
          “{current.title}” is now at version {current.version} (you edited version {base.version}); the last
          change was by <strong>{current.updated_by}</strong>. Nothing was overwritten.
        </p>
        <table>
          <thead>
            <tr>
              <th>Field</th>
              <th>You saw</th>
              <th>Now</th>
              <th>Your change</th>
            </tr>
          </thead>
          <tbody>
            {SHOWN_FIELDS.filter((f) => changed.includes(f) || f in patch).map((f) => (
              <tr key={f} class={changed.includes(f) ? 'changed' : ''}>
                <th scope="row">{f}</th>
                <td>{show(base[f])}</td>
                <td>{show(current[f])}</td>
                <td>{f in patch ? show(patch[f]) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div class="actions">
          <button type="button" class="primary" onClick={() => void model.reapply()}>
            Re-apply my change
          </button>
          <button type="button" onClick={() => model.discard()}>
            Discard my change
          </button>
        </div>
      </dialog>
    </div>
  );
}
