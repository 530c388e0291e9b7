import type { SearchResult } from '../../contract/index.js';
import {
  CANDIDATES_PER_KIND,
  CHUNKS_PER_DOCUMENT,
  MARK_CLOSE,
  MARK_OPEN,
  MAX_TERMS,
  SNIPPET_CHARS,
} from '../sqlite/search.js';
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
 * The expression is written into each WHERE (not taken from a CTE) so the planner can use the GIN indexes.
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
  return `(${parts.join(' && ')})`;
}

/** Kind order breaks rank ties as SQLite's rowid ranges do (documents, notes, projects, tasks), then newest. */
const KIND_ORDER: Record<Kind, number> = { task: 1, project: 2, note: 3, document: 4 };

const rankOf = (vector: string, q: string) => `ts_rank_cd('${WEIGHTS}', ${vector}, ${q}, ${NORMALIZATION})`;

/**
 * The newest CANDIDATES_PER_KIND matches of a kind (found through the GIN index; only they are ranked),
 * in the project `project` names when given. `doc` groups a document's chunks.
 */
const CANDIDATES: Record<Kind, (q: string, project: string | null) => string> = {
  task: (q, project) => `SELECT 'task' AS kind, t.seq, NULL::text AS doc, ${rankOf('t.search', q)} AS rank
    FROM (SELECT seq FROM tasks WHERE search @@ ${q} ${project ? `AND project_id = ${project}` : ''}
          ORDER BY seq DESC LIMIT ${CANDIDATES_PER_KIND}) m JOIN tasks t USING (seq)`,
  project: (
    q,
    project,
  ) => `SELECT 'project' AS kind, p.seq, NULL::text AS doc, ${rankOf('p.search', q)} AS rank
    FROM (SELECT seq FROM projects WHERE search @@ ${q} ${project ? `AND id = ${project}` : ''}
          ORDER BY seq DESC LIMIT ${CANDIDATES_PER_KIND}) m JOIN projects p USING (seq)`,
  note: (q, project) => `SELECT 'note' AS kind, n.seq, NULL::text AS doc, ${rankOf('n.search', q)} AS rank
    FROM (SELECT seq FROM notes WHERE search @@ ${q} ${project ? `AND project_id = ${project}` : ''}
          ORDER BY seq DESC LIMIT ${CANDIDATES_PER_KIND}) m JOIN notes n USING (seq)`,
  document: (
    q,
    project,
  ) => `SELECT 'document' AS kind, c.seq, c.document_id AS doc, ${rankOf('c.search', q)} AS rank
    FROM (SELECT c.seq FROM document_chunks c WHERE c.search @@ ${q} ${
      project
        ? `AND EXISTS (SELECT 1 FROM documents d WHERE d.id = c.document_id AND d.project_id = ${project})`
        : ''
    } ORDER BY c.seq DESC LIMIT ${CANDIDATES_PER_KIND}) m JOIN document_chunks c USING (seq)`,
};

/** id, title, tags, project_id and headlines of the body and of the rest (title, headings, tags). */
const DETAILS: Record<Kind, (q: string, seqs: string, options: string) => string> = {
  task: (q, seqs, options) => `SELECT t.seq, t.id, t.title, t.tags, t.project_id,
      ts_headline('${TS_CONFIG}', t.description, ${q}, ${options}) AS body,
      ts_headline('${TS_CONFIG}', concat_ws(' ', t.title, array_to_string(t.tags, ' ')), ${q}, ${options}) AS best
    FROM tasks t WHERE t.seq = ANY(${seqs}::bigint[])`,
  project: (q, seqs, options) => `SELECT p.seq, p.id, p.name AS title, p.tags, p.id AS project_id,
      ts_headline('${TS_CONFIG}', p.description, ${q}, ${options}) AS body,
      ts_headline('${TS_CONFIG}', concat_ws(' ', p.name, array_to_string(p.tags, ' ')), ${q}, ${options}) AS best
    FROM projects p WHERE p.seq = ANY(${seqs}::bigint[])`,
  note: (q, seqs, options) => `SELECT n.seq, n.id, n.title, n.tags, n.project_id,
      ts_headline('${TS_CONFIG}', n.content, ${q}, ${options}) AS body,
      ts_headline('${TS_CONFIG}', concat_ws(' ', n.title, array_to_string(n.tags, ' ')), ${q}, ${options}) AS best
    FROM notes n WHERE n.seq = ANY(${seqs}::bigint[])`,
  document: (q, seqs, options) => `SELECT c.seq, d.id, d.title, d.tags, d.project_id,
      ts_headline('${TS_CONFIG}', c.text, ${q}, ${options}) AS body,
      ts_headline('${TS_CONFIG}', concat_ws(' ', d.title, array_to_string(c.heading_path, ' › '),
        array_to_string(d.tags, ' ')), ${q}, ${options}) AS best
    FROM document_chunks c JOIN documents d ON d.id = c.document_id WHERE c.seq = ANY(${seqs}::bigint[])`,
};

interface Ranked {
  kind: Kind;
  seq: number;
  rank: number;
  total: number;
  best: number;
}

interface Detail {
  seq: number;
  id: string;
  title: string;
  tags: string[];
  project_id: string | null;
  body: string;
  best: string;
}

/** Ranked full-text search over the tsvector columns of migration 2, with SQLite's result rules. */
export async function search(s: PgSession, request: SearchRequest): Promise<SearchPage> {
  const terms = searchTerms(request.text);
  if (!terms || request.types.length === 0) return { results: [], total: 0 };
  const ranked = await rank(s, terms, request, request.offset, request.limit);
  // Past the last result no row carries the total: ask for the first one to learn it.
  const total =
    ranked[0]?.total ?? (request.offset > 0 ? ((await rank(s, terms, request, 0, 1))[0]?.total ?? 0) : 0);
  const details = await detailsOf(s, terms, ranked);
  const results = ranked.map((r): SearchResult => {
    const detail = details.get(`${r.kind}:${r.seq}`)!;
    return {
      id: detail.id,
      type: r.kind,
      title: detail.title,
      snippet: snippet(detail),
      relevance_score: r.best > 0 ? Math.min(1, Math.round((r.rank / r.best) * 10_000) / 10_000) : 1,
      tags: detail.tags,
      project_id: detail.project_id,
    };
  });
  return { results, total };
}

/**
 * One page of ranked matches with the total and the best rank. A document keeps its best
 * CHUNKS_PER_DOCUMENT chunks; the best match scores 1 and the others their share of it.
 */
function rank(s: PgSession, terms: SearchTerms, request: SearchRequest, offset: number, limit: number) {
  const params: unknown[] = [];
  const q = tsquery(terms, params);
  let project: string | null = null;
  if (request.project_id) {
    params.push(request.project_id);
    project = `$${params.length}`;
  }
  const candidates = request.types.map((kind) => `(${CANDIDATES[kind](q, project)})`).join(' UNION ALL ');
  const kindOrder = `CASE kind ${Object.entries(KIND_ORDER)
    .map(([kind, order]) => `WHEN '${kind}' THEN ${order}`)
    .join(' ')} END`;
  params.push(offset, limit);
  return s.rows<Ranked>(
    `WITH candidates AS (${candidates}),
     kept AS (
       SELECT *, row_number() OVER (PARTITION BY doc ORDER BY rank DESC, seq DESC) AS nth FROM candidates)
     SELECT kind, seq, rank, count(*) OVER ()::int AS total, max(rank) OVER () AS best FROM kept
     WHERE doc IS NULL OR nth <= ${CHUNKS_PER_DOCUMENT}
     ORDER BY rank DESC, ${kindOrder} DESC, seq DESC
     OFFSET $${params.length - 1} LIMIT $${params.length}`,
    params,
  );
}

/** Details and headlines of the page's rows, one query per kind. */
async function detailsOf(
  s: PgSession,
  terms: SearchTerms,
  ranked: readonly Ranked[],
): Promise<Map<string, Detail>> {
  const details = new Map<string, Detail>();
  for (const kind of new Set(ranked.map((r) => r.kind))) {
    const params: unknown[] = [ranked.filter((r) => r.kind === kind).map((r) => r.seq), HEADLINE];
    const rows = await s.rows<Detail>(DETAILS[kind](tsquery(terms, params), '$1', '$2'), params);
    for (const row of rows) details.set(`${kind}:${row.seq}`, row);
  }
  return details;
}

/** The body around the hits; the title, headings or tags when only they matched. One line, ≤ SNIPPET_CHARS. */
function snippet(detail: Detail): string {
  const text = detail.body.includes(OPEN) || !detail.best.includes(OPEN) ? detail.body : detail.best;
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
