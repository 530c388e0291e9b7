import type { SearchResult } from '../../contract/index.js';
import {
  CANDIDATES_PER_KIND,
  CHUNKS_PER_DOCUMENT,
  MARK_CLOSE,
  MARK_OPEN,
  MAX_TERMS,
  SNIPPET_CHARS,
} from '../search-rules.js';
import type { SearchPage, SearchRequest } from '../types.js';
import type { PgSession } from './database.js';
import { TS_CONFIG } from './migrations.js';

type Kind = SearchResult['type'];

/** ts_rank_cd weights {D, C, B, A}: title 1.0, tags and headings 0.5, body 0.1 (SQLite's bm25 10/5/1). */
const WEIGHTS = '{0.1, 0.1, 0.5, 1.0}';
/** Rank divided by 1 + log(length): a long text does not win by repeating a word, as with bm25. */
const NORMALIZATION = 1;
// Private-use markers while choosing a snippet, so a « already in the text is not taken for a hit.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const HEADLINE = `StartSel=${OPEN}, StopSel=${CLOSE}, MaxWords=20, MinWords=8, ShortWord=0, MaxFragments=1`;

export interface SearchTerms {
  /** Every word but the prefix one, for plainto_tsquery. */
  words: string;
  /** The last word, letters and digits only, matched as a prefix; null when it is a single letter. */
  prefix: string | null;
}

/**
 * User text → search terms that cannot be query syntax, with SQLite's rules: the words (letters, digits,
 * combining marks) all must match, and the last word of two or more characters also matches as a prefix.
 * The words go to plainto_tsquery, which knows no operators. Only the prefix word goes to to_tsquery, as
 * letters and digits inside quotes with `:*` appended: nothing in it can be an operator. Null when there
 * are no words.
 */
export function searchTerms(text: string): SearchTerms | null {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [])].slice(0, MAX_TERMS);
  const last = words.at(-1)?.replace(/[^\p{L}\p{N}]/gu, '') ?? '';
  if (words.length === 0) return null;
  if ([...last].length < 2) return { words: words.join(' '), prefix: null };
  return { words: words.slice(0, -1).join(' '), prefix: last };
}

/**
 * SQL for the tsquery of `terms`, its values appended to `params`: the words and the prefix word, folded
 * like the indexed text. The prefix word is quoted, so even a word the parser splits stays one operand.
 * A scalar subquery: PostgreSQL evaluates it once per statement (an InitPlan, not once per ranked row, even
 * in a cached generic plan) and can still use it as a GIN index condition, which a CTE column cannot be.
 */
function tsquery(terms: SearchTerms, params: unknown[]): string {
  const parts: string[] = [];
  if (terms.words) {
    params.push(terms.words);
    parts.push(`plainto_tsquery('${TS_CONFIG}', bindery_words($${params.length}::text))`);
  }
  if (terms.prefix) {
    params.push(terms.prefix);
    parts.push(`to_tsquery('${TS_CONFIG}', '''' || bindery_fold($${params.length}::text) || ''':*')`);
  }
  return `(SELECT ${parts.join(' && ')})`;
}

/** Kind order breaks rank ties as SQLite's rowid ranges do (documents, notes, projects, tasks), then newest. */
const KIND_ORDER: Record<Kind, number> = { task: 1, project: 2, note: 3, document: 4 };

const rankOf = (vector: string, q: string) => `ts_rank_cd('${WEIGHTS}', ${vector}, ${q}, ${NORMALIZATION})`;

/**
 * The newest CANDIDATES_PER_KIND matches of a kind (found through the GIN index; only they are ranked),
 * in the project `project` names when given. The vector rides along with the match rather than being
 * joined back, so no stale row estimate can turn that join into a scan. `doc` groups a document's chunks.
 */
const CANDIDATES: Record<Kind, (q: string, project: string | null) => string> = {
  task: (q, project) => `SELECT 'task' AS kind, m.seq, NULL::text AS doc, ${rankOf('m.search', q)} AS rank
    FROM (SELECT seq, search FROM tasks WHERE search @@ ${q} ${project ? `AND project_id = ${project}` : ''}
          ORDER BY seq DESC LIMIT ${CANDIDATES_PER_KIND}) m`,
  project: (
    q,
    project,
  ) => `SELECT 'project' AS kind, m.seq, NULL::text AS doc, ${rankOf('m.search', q)} AS rank
    FROM (SELECT seq, search FROM projects WHERE search @@ ${q} ${project ? `AND id = ${project}` : ''}
          ORDER BY seq DESC LIMIT ${CANDIDATES_PER_KIND}) m`,
  note: (q, project) => `SELECT 'note' AS kind, m.seq, NULL::text AS doc, ${rankOf('m.search', q)} AS rank
    FROM (SELECT seq, search FROM notes WHERE search @@ ${q} ${project ? `AND project_id = ${project}` : ''}
          ORDER BY seq DESC LIMIT ${CANDIDATES_PER_KIND}) m`,
  document: (
    q,
    project,
  ) => `SELECT 'document' AS kind, m.seq, m.document_id AS doc, ${rankOf('m.search', q)} AS rank
    FROM (SELECT c.seq, c.document_id, c.search FROM document_chunks c WHERE c.search @@ ${q} ${
      project
        ? `AND EXISTS (SELECT 1 FROM documents d WHERE d.id = c.document_id AND d.project_id = ${project})`
        : ''
    } ORDER BY c.seq DESC LIMIT ${CANDIDATES_PER_KIND}) m`,
};

/**
 * id, title, tags, project_id and headlines (of the body, and of title, headings and tags) of the page row
 * `page` when it is of this kind: a branch of the LATERAL join that completes the page.
 */
const DETAILS: Record<Kind, (q: string, options: string) => string> = {
  task: (q, options) => `SELECT t.id, t.title, t.tags, t.project_id,
      ts_headline('${TS_CONFIG}', t.description, ${q}, ${options}) AS body,
      ts_headline('${TS_CONFIG}', concat_ws(' ', t.title, array_to_string(t.tags, ' ')), ${q}, ${options}) AS best
    FROM tasks t WHERE page.kind = 'task' AND t.seq = page.seq`,
  project: (q, options) => `SELECT p.id, p.name, p.tags, p.id,
      ts_headline('${TS_CONFIG}', p.description, ${q}, ${options}),
      ts_headline('${TS_CONFIG}', concat_ws(' ', p.name, array_to_string(p.tags, ' ')), ${q}, ${options})
    FROM projects p WHERE page.kind = 'project' AND p.seq = page.seq`,
  note: (q, options) => `SELECT n.id, n.title, n.tags, n.project_id,
      ts_headline('${TS_CONFIG}', n.content, ${q}, ${options}),
      ts_headline('${TS_CONFIG}', concat_ws(' ', n.title, array_to_string(n.tags, ' ')), ${q}, ${options})
    FROM notes n WHERE page.kind = 'note' AND n.seq = page.seq`,
  document: (q, options) => `SELECT d.id, d.title, d.tags, d.project_id,
      ts_headline('${TS_CONFIG}', c.text, ${q}, ${options}),
      ts_headline('${TS_CONFIG}', concat_ws(' ', d.title, array_to_string(c.heading_path, ' › '),
        array_to_string(d.tags, ' ')), ${q}, ${options})
    FROM document_chunks c JOIN documents d ON d.id = c.document_id
    WHERE page.kind = 'document' AND c.seq = page.seq`,
};

interface Row {
  kind: Kind;
  rank: number;
  total: number;
  /** The best rank of the query, over all results. */
  top: number;
  id: string;
  title: string;
  tags: string[];
  project_id: string | null;
  body: string;
  best: string;
}

/**
 * Ranked full-text search over the tsvector columns of migration 2, with SQLite's result rules, in one
 * statement (so one snapshot without a transaction, and one round trip).
 */
export async function search(s: PgSession, request: SearchRequest): Promise<SearchPage> {
  const terms = searchTerms(request.text);
  if (!terms || request.types.length === 0) return { results: [], total: 0 };
  const rows = await page(s, terms, request, request.offset, request.limit);
  // Past the last result no row carries the total: ask for the first one to learn it.
  const total =
    rows[0]?.total ?? (request.offset > 0 ? ((await page(s, terms, request, 0, 1))[0]?.total ?? 0) : 0);
  const results = rows.map(
    (r): SearchResult => ({
      id: r.id,
      type: r.kind,
      title: r.title,
      snippet: snippet(r),
      relevance_score: r.top > 0 ? Math.min(1, Math.round((r.rank / r.top) * 10_000) / 10_000) : 1,
      tags: r.tags,
      project_id: r.project_id,
    }),
  );
  return { results, total };
}

/**
 * One page of ranked matches with their details, the total and the best rank. A document keeps its best
 * CHUNKS_PER_DOCUMENT chunks; headlines are computed for the page's rows only.
 */
function page(s: PgSession, terms: SearchTerms, request: SearchRequest, offset: number, limit: number) {
  const params: unknown[] = [];
  const q = tsquery(terms, params);
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const project = request.project_id ? param(request.project_id) : null;
  const options = param(HEADLINE);
  const window = `OFFSET ${param(offset)} LIMIT ${param(limit)}`;
  const candidates = request.types.map((kind) => `(${CANDIDATES[kind](q, project)})`).join(' UNION ALL ');
  const details = request.types.map((kind) => `(${DETAILS[kind](q, options)})`).join(' UNION ALL ');
  const kindOrder = `CASE kind ${Object.entries(KIND_ORDER)
    .map(([kind, order]) => `WHEN '${kind}' THEN ${order}`)
    .join(' ')} END`;
  return s.rows<Row>(
    `WITH candidates AS (${candidates}),
     kept AS (
       SELECT *, row_number() OVER (PARTITION BY doc ORDER BY rank DESC, seq DESC) AS nth FROM candidates),
     page AS (
       SELECT kind, seq, rank, ${kindOrder} AS kind_order, count(*) OVER ()::int AS total,
         max(rank) OVER () AS top
       FROM kept WHERE doc IS NULL OR nth <= ${CHUNKS_PER_DOCUMENT}
       ORDER BY rank DESC, kind_order DESC, seq DESC ${window})
     SELECT page.kind, page.rank, page.total, page.top, d.* FROM page
     CROSS JOIN LATERAL (${details}) AS d (id, title, tags, project_id, body, best)
     ORDER BY page.rank DESC, page.kind_order DESC, page.seq DESC`,
    params,
  );
}

/** The body around the hits; the title, headings or tags when only they matched. One line, ≤ SNIPPET_CHARS. */
function snippet(row: Pick<Row, 'body' | 'best'>): string {
  const text = row.body.includes(OPEN) || !row.best.includes(OPEN) ? row.body : row.best;
  return clip(text.replace(/\s+/g, ' ').trim()).replaceAll(OPEN, MARK_OPEN).replaceAll(CLOSE, MARK_CLOSE);
}

/** Cuts to SNIPPET_CHARS with an ellipsis, never inside a surrogate pair or between a hit's markers. */
function clip(text: string): string {
  if (text.length <= SNIPPET_CHARS) return text;
  let cut = text.slice(0, SNIPPET_CHARS - 2);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  if (cut.lastIndexOf(OPEN) > cut.lastIndexOf(CLOSE)) cut += CLOSE;
  return `${cut}…`;
}
