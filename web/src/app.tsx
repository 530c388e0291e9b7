import { useState } from 'preact/hooks';
import { token } from './api.js';
import { Board } from './board.js';
import { ConflictDialog, Drawer, emptyDraft, fieldsOf, TaskFields } from './drawer.js';
import { type BoardModel, type Filters, PRIORITIES, useModel, type View } from './model.js';
import { Dashboard, Search } from './views.js';

function TokenPrompt({ model }: { model: BoardModel }) {
  const [value, setValue] = useState('');
  return (
    <div class="modal-back">
      <dialog open class="modal" aria-modal="true" aria-labelledby="token-title">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            token.set(value.trim());
            model.giveToken();
          }}
        >
          <h2 id="token-title">This Bindery server needs a token</h2>
          <p>It is kept for this tab only and sent as a header, never in a cookie or the address.</p>
          <label for="token-input">Token</label>
          <input
            id="token-input"
            autoFocus
            type="password"
            autocomplete="off"
            value={value}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          />
          <div class="actions">
            <button type="submit" class="primary">
              Open the board
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}

function CreateDialog({ model, close }: { model: BoardModel; close: () => void }) {
  const [draft, setDraft] = useState(emptyDraft());
  const [project, setProject] = useState(model.filters.project);
  return (
    <div class="modal-back">
      <dialog open class="modal" aria-modal="true" aria-labelledby="create-title">
        <form
          onKeyDown={(event) => {
            if (event.key === 'Escape') close();
          }}
          onSubmit={async (event) => {
            event.preventDefault();
            const fields = fieldsOf(draft);
            const created = await model.create({ ...fields, ...(project ? { project_id: project } : {}) });
            if (created) close();
          }}
        >
          <h2 id="create-title">New task</h2>
          <TaskFields draft={draft} set={setDraft} idPrefix="new" />
          <label for="new-project">Project</label>
          <select
            id="new-project"
            value={project}
            onChange={(e) => setProject((e.target as HTMLSelectElement).value)}
          >
            <option value="">(none)</option>
            {model.projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
          <div class="actions">
            <button type="submit" class="primary">
              Create
            </button>
            <button type="button" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}

function FilterBar({ model }: { model: BoardModel }) {
  const { filters } = model;
  const roles = [...new Set([...model.tasks.values()].map((t) => t.role).filter((r) => r !== null))].sort();
  const text = (name: keyof Filters) => ({
    id: `filter-${name}`,
    value: filters[name] as string,
    // Typing replaces the history entry; a new entry per keystroke would make Back useless.
    onInput: (e: Event) => model.setFilters({ [name]: (e.target as HTMLInputElement).value }, true),
    onChange: (e: Event) => model.setFilters({ [name]: (e.target as HTMLInputElement).value }, true),
  });
  return (
    <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <label for="filter-project">Project</label>
      <select
        id="filter-project"
        value={filters.project}
        onChange={(e) => model.setFilters({ project: (e.target as HTMLSelectElement).value })}
      >
        <option value="">All</option>
        {model.projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
      <label for="filter-priority">Priority</label>
      <select
        id="filter-priority"
        value={filters.priority}
        onChange={(e) => model.setFilters({ priority: (e.target as HTMLSelectElement).value })}
      >
        <option value="">All</option>
        {PRIORITIES.map((p) => (
          <option key={p}>{p}</option>
        ))}
      </select>
      <label for="filter-role">Role</label>
      <select
        id="filter-role"
        value={filters.role}
        onChange={(e) => model.setFilters({ role: (e.target as HTMLSelectElement).value })}
      >
        <option value="">All</option>
        {roles.map((r) => (
          <option key={r}>{r}</option>
        ))}
      </select>
      <label for="filter-tag">Tag</label>
      <input {...text('tag')} size={10} />
      <label for="filter-q">Text</label>
      <input {...text('q')} type="search" size={14} />
      <label class="check">
        <input
          type="checkbox"
          checked={filters.cancelled}
          onChange={(e) => model.setFilters({ cancelled: (e.target as HTMLInputElement).checked })}
        />{' '}
        cancelled
      </label>
    </form>
  );
}

const VIEWS: [View, string][] = [
  ['board', 'Board'],
  ['search', 'Search'],
  ['dashboard', 'Dashboard'],
];

const STATE_TEXT = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' };

export function App() {
  const model = useModel();
  const [creating, setCreating] = useState(false);
  const { filters } = model;
  const open = filters.task ? model.tasks.get(filters.task) : undefined;
  return (
    <>
      <header class="top">
        <h1>Bindery</h1>
        <nav aria-label="Views">
          {VIEWS.map(([view, label]) => (
            <a
              key={view}
              href={view === 'board' ? '?' : `?view=${view}`}
              aria-current={filters.view === view ? 'page' : undefined}
              onClick={(event) => {
                event.preventDefault();
                model.setFilters({ view });
              }}
            >
              {label}
            </a>
          ))}
        </nav>
        <span class={`feed feed-${model.feedState}`} role="status" aria-live="polite">
          {STATE_TEXT[model.feedState]}
        </span>
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          New task
        </button>
      </header>
      {model.error && (
        <p class="error" role="alert">
          {model.error}{' '}
          <button type="button" onClick={() => model.dismissError()}>
            Dismiss
          </button>
        </p>
      )}
      <main>
        {filters.view === 'board' && (
          <>
            <FilterBar model={model} />
            {model.loaded ? <Board model={model} /> : <p>Loading…</p>}
          </>
        )}
        {filters.view === 'search' && <Search model={model} />}
        {filters.view === 'dashboard' && <Dashboard model={model} />}
      </main>
      {open && <Drawer model={model} task={open} />}
      {creating && <CreateDialog model={model} close={() => setCreating(false)} />}
      <ConflictDialog model={model} />
      {model.needToken && <TokenPrompt model={model} />}
    </>
  );
}
