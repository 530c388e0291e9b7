import { useEffect, useRef, useState } from 'preact/hooks';
import type { Change } from '../../src/contract/change.js';
import type { Dashboard as Stats } from '../../src/contract/dashboard.js';
import type { Document } from '../../src/contract/document.js';
import type { Note } from '../../src/contract/note.js';
import type { SearchResult } from '../../src/contract/search.js';
import { call } from './api.js';
import { markdown } from './drawer.js';
import { type BoardModel, PRIORITIES, STATUSES } from './model.js';

/** The snippet with the matched words marked; every piece stays text (never parsed as HTML). */
function Highlighted({ text, words }: { text: string; words: string[] }) {
  const escaped = words.filter(Boolean).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (escaped.length === 0) return <>{text}</>;
  const pattern = new RegExp(`(${escaped.join('|')})`, 'gi');
  return <>{text.split(pattern).map((piece, i) => (i % 2 === 1 ? <mark key={i}>{piece}</mark> : piece))}</>;
}

type Opened = { kind: 'note'; note: Note } | { kind: 'document'; doc: Document; chunk: number } | null;

/** A document opened at the chunk that matched: the chunk is marked and scrolled into view. */
function DocumentView({ doc, chunk }: { doc: Document; chunk: number }) {
  const mark = useRef<HTMLElement>(null);
  useEffect(() => mark.current?.scrollIntoView({ block: 'center' }), [doc.id, chunk]);
  const info = doc.chunks.find((c) => c.index === chunk);
  if (!info) return <pre class="doc">{doc.content}</pre>;
  return (
    <>
      {info.heading_path.length > 0 && <p class="muted">{info.heading_path.join(' › ')}</p>}
      <pre class="doc">
        {doc.content.slice(0, info.start)}
        <mark ref={mark}>{doc.content.slice(info.start, info.end)}</mark>
        {doc.content.slice(info.end)}
      </pre>
    </>
  );
}

export function Search({ model }: { model: BoardModel }) {
  const query = model.filters.search;
  const [text, setText] = useState(query);
  const [results, setResults] = useState<SearchResult[] | null>(null);
  const [opened, setOpened] = useState<Opened>(null);
  useEffect(() => {
    setText(query);
    if (!query) return setResults(null);
    call('search', { query, limit: 30 })
      .then((answer) => setResults(answer.results))
      .catch((error) => model.fail(error));
  }, [query, model]);
  const open = async (result: SearchResult) => {
    try {
      if (result.type === 'task' || result.type === 'project') {
        if (result.type === 'task') model.setFilters({ view: 'board', task: result.id });
        else model.setFilters({ view: 'board', project: result.id });
      } else if (result.type === 'note') {
        setOpened({ kind: 'note', note: await call('get_note', { note_id: result.id }) });
      } else {
        const doc = await call('get_document', { document_id: result.id });
        setOpened({ kind: 'document', doc, chunk: result.chunk_index ?? 0 });
      }
    } catch (error) {
      model.fail(error);
    }
  };
  return (
    <div class="search-view">
      <form
        aria-label="Search"
        onSubmit={(event) => {
          event.preventDefault();
          model.setFilters({ search: text.trim() });
        }}
      >
        <label for="search-input">Search tasks, notes and documents</label>
        <input
          id="search-input"
          type="search"
          value={text}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {results !== null && (
        <ol class="results" aria-label="Search results">
          {results.length === 0 && <li class="muted">No results.</li>}
          {results.map((result) => (
            <li key={`${result.id}-${result.chunk_index ?? ''}`}>
              <button type="button" class="result" onClick={() => void open(result)}>
                <span class={`badge kind-${result.type}`}>{result.type}</span> <strong>{result.title}</strong>
                {result.match === 'partial' && <span class="muted"> (some words)</span>}
                {result.heading_path && result.heading_path.length > 0 && (
                  <span class="muted"> · {result.heading_path.join(' › ')}</span>
                )}
                <span class="snippet">
                  <Highlighted text={result.snippet} words={result.matched} />
                </span>
              </button>
            </li>
          ))}
        </ol>
      )}
      {opened && (
        <section class="opened" aria-label="Opened result">
          <button type="button" class="close" aria-label="Close" onClick={() => setOpened(null)}>
            ×
          </button>
          {opened.kind === 'note' ? (
            <>
              <h2>{opened.note.title}</h2>
              <div class="markdown" dangerouslySetInnerHTML={{ __html: markdown(opened.note.content) }} />
            </>
          ) : (
            <>
              <h2>{opened.doc.title}</h2>
              <DocumentView doc={opened.doc} chunk={opened.chunk} />
            </>
          )}
        </section>
      )}
    </div>
  );
}

/** Horizontal bars in SVG: sizes are attributes, so the strict CSP (no inline styles) holds. */
function Bars({ title, counts }: { title: string; counts: [string, number][] }) {
  const max = Math.max(1, ...counts.map(([, n]) => n));
  const row = 22;
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 320 ${counts.length * row}`}
        width="100%"
        role="img"
        aria-label={`${title}: ${counts.map(([k, n]) => `${k} ${n}`).join(', ')}`}
      >
        {counts.map(([key, n], i) => (
          <g key={key} transform={`translate(0 ${i * row})`}>
            <text x="0" y="15" class={`bar-label`}>
              {key}
            </text>
            <rect x="80" y="4" height="14" width={(200 * n) / max} class={`bar b-${key}`} />
            <text x={86 + (200 * n) / max} y="15" class="bar-value">
              {n}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

function describe(change: Change): string {
  const what = change.from && change.to ? `${change.from} → ${change.to}` : change.op;
  return `${change.entity} ${what}`;
}

export function Dashboard({ model }: { model: BoardModel }) {
  const [stats, setStats] = useState<Stats | null>(null);
  const [recent, setRecent] = useState<Change[]>([]);
  // Read again whenever the feed brings a change.
  useEffect(() => {
    call('get_task_dashboard', {})
      .then(setStats)
      .catch((error) => model.fail(error));
    call('list_changes', { since: Math.max(0, model.seq - 15), limit: 15 })
      .then((page) => setRecent(page.items.reverse()))
      .catch(() => setRecent([]));
  }, [model.seq]);
  if (!stats) return <p>Loading…</p>;
  const titleOf = (change: Change) =>
    change.entity === 'task' ? (model.tasks.get(change.id)?.title ?? change.id) : change.id;
  return (
    <div class="dashboard">
      <div class="numbers">
        <div class="stat">
          <span class="big">{stats.total_tasks}</span> tasks
        </div>
        <div class="stat">
          <span class="big">{stats.open_tasks}</span> open
        </div>
        <div class="stat">
          <span class="big">{Math.round(stats.completion_rate)}%</span> done
        </div>
        <div class={`stat${stats.overdue_tasks > 0 ? ' alert' : ''}`}>
          <span class="big">{stats.overdue_tasks}</span> overdue
        </div>
        <div class="stat">
          <span class="big">{stats.upcoming_tasks}</span> due in 7 days
        </div>
        <div class="stat">
          <span class="big">{stats.active_projects}</span> active projects
        </div>
      </div>
      <div class="charts">
        <Bars title="Tasks by status" counts={STATUSES.map((s) => [s, stats.status_breakdown[s]])} />
        <Bars
          title="Open tasks by priority"
          counts={PRIORITIES.map((p) => [p, stats.pending_tasks_by_priority[p]])}
        />
      </div>
      <h2>Recent activity</h2>
      <ol class="activity">
        {recent.map((change) => (
          <li key={change.seq}>
            <time dateTime={change.at}>{change.at.slice(0, 16).replace('T', ' ')}</time>{' '}
            <strong>{change.actor}</strong> {describe(change)}: {titleOf(change)}
          </li>
        ))}
      </ol>
    </div>
  );
}
