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
import type { SqliteDatabase } from './database.js';
import { SEARCH_KIND_SPAN, SEARCH_ROWID_BASE } from './migrations.js';

type Kind = SearchResult['type'];

const SNIPPET_TOKENS = 20;
// Private-use markers while choosing a snippet, so a « already in the text is not taken for a hit.
const OPEN = '\uE000';
const CLOSE = '\uE001';

/**
 * User text → an FTS5 expression that cannot be syntax: the words (letters, digits, combining marks)
 * are each quoted, so AND, NEAR, *, ", (, - are never operators; all must match (implicit AND); the
 * last word of two or more characters also matches as a prefix, for search-as-you-type. A one-letter
 * prefix would expand to a large part of the vocabulary, so it matches only itself.
 * Returns null when the text has no words.
 */
export function ftsExpression(text: string): string | null {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [])].slice(0, MAX_TERMS);
  if (words.length === 0) return null;
  const last = words.length - 1;
  return words.map((w, i) => (i === last && [...w].length >= 2 ? `"${w}"*` : `"${w}"`)).join(' ');
}

interface CandidateRow {
  rowid: number;
  /** bm25 as FTS5 reports it, or the score given here: negative, lower is better. */
  rank: number;
  document_seq?: number;
  /** The indexed text, when the candidates are scored here rather than by FTS5. */
  title?: string;
  heading?: string;
  body?: string;
  tags?: string;
}

interface Candidate extends CandidateRow {
  kind: Kind;
  /** The FTS5 expression that found it, which its snippet must use too. */
  match: string;
}

interface SnippetRow {
  rowid: number;
  body: string;
  best: string;
}

interface Detail {
  seq: number;
  id: string;
  title: string;
  tags: string;
  project_id: string | null;
}

/**
 * The newest CANDIDATES_PER_KIND matches in a kind's rowid range: FTS5 walks its doclists backwards and
 * stops there, computing rank only for those rows.
 */
const newestMatches = (joins = '', filter = '') => `FROM search_index f ${joins}
  WHERE f.search_index MATCH @query AND f.rowid BETWEEN @lo AND @hi ${filter}
  ORDER BY f.rowid DESC LIMIT @cap`;

/**
 * Candidate queries per kind, with and without a project filter, selecting `columns` (FTS5's bm25 rank,
 * or the indexed text to score here). CROSS JOIN keeps search_index the outer loop: driven the other way,
 * every lookup would redo bm25's document-frequency scan.
 */
function candidateSql(columns: string): Record<Kind, { all: string; project: string }> {
  return {
    task: {
      all: `SELECT f.rowid, ${columns} ${newestMatches()}`,
      project: `SELECT f.rowid, ${columns}
        ${newestMatches('CROSS JOIN tasks t ON t.seq = f.rowid - @base', 'AND t.project_id = @project')}`,
    },
    project: {
      all: `SELECT f.rowid, ${columns} ${newestMatches()}`,
      // Driven from projects: for an unknown id FTS5 is never asked (a NULL rowid bound would mean no bound).
      project: `SELECT f.rowid, ${columns} FROM projects p CROSS JOIN search_index f ON f.rowid = p.seq + @base
        WHERE p.id = @project AND f.search_index MATCH @query`,
    },
    note: {
      all: `SELECT f.rowid, ${columns} ${newestMatches()}`,
      project: `SELECT f.rowid, ${columns}
        ${newestMatches('CROSS JOIN notes n ON n.seq = f.rowid - @base', 'AND n.project_id = @project')}`,
    },
    document: {
      all: `SELECT f.rowid, ${columns}, c.document_seq
        ${newestMatches('CROSS JOIN document_chunks c ON c.seq = f.rowid - @base')}`,
      project: `SELECT f.rowid, ${columns}, c.document_seq ${newestMatches(
        'CROSS JOIN document_chunks c ON c.seq = f.rowid - @base CROSS JOIN documents d ON d.seq = c.document_seq',
        'AND d.project_id = @project',
      )}`,
    },
  };
}

const RANKED_SQL = candidateSql('f.rank');
const TEXT_SQL = candidateSql('f.title, f.heading, f.body, f.tags');

/** Matches of a kind, counted up to the cap: FTS5 stops reading the doclist there. */
const COMMON_SQL = `SELECT count(*) FROM (SELECT 1 FROM search_index f
  WHERE f.search_index MATCH @query AND f.rowid BETWEEN @lo AND @hi LIMIT @cap)`;

/** id, title, tags, project_id of result rows by seq (a project belongs to itself). */
const DETAIL_SQL: Record<Kind, string> = {
  task: 'SELECT seq, id, title, tags, project_id FROM tasks WHERE seq IN (SELECT value FROM json_each(?))',
  project:
    'SELECT seq, id, name AS title, tags, id AS project_id FROM projects WHERE seq IN (SELECT value FROM json_each(?))',
  note: 'SELECT seq, id, title, tags, project_id FROM notes WHERE seq IN (SELECT value FROM json_each(?))',
  document: `SELECT c.seq, d.id, d.title, d.tags, d.project_id FROM document_chunks c
    JOIN documents d ON d.seq = c.document_seq WHERE c.seq IN (SELECT value FROM json_each(?))`,
};

/**
 * Snippets of a kind's page rows in one pass over their rowid span. `+rowid` keeps the IN list out of
 * FTS5's plan, which would otherwise run one FTS5 query (and one prefix expansion) per row; snippet()
 * runs only for the rows the WHERE keeps.
 */
const SNIPPET_SQL = `SELECT rowid,
    snippet(search_index, 2, '${OPEN}', '${CLOSE}', '…', ${SNIPPET_TOKENS}) AS body,
    snippet(search_index, -1, '${OPEN}', '${CLOSE}', '…', ${SNIPPET_TOKENS}) AS best
  FROM search_index WHERE search_index MATCH @query AND rowid BETWEEN @lo AND @hi
    AND +rowid IN (SELECT value FROM json_each(@rowids))`;

/** Ranked full-text search over the one search_index table (migration 2). */
export class SqliteSearch {
  constructor(private readonly db: SqliteDatabase) {}

  search(request: SearchRequest): SearchPage {
    const query = ftsExpression(request.text);
    if (!query) return { results: [], total: 0 };
    const ranked = this.candidates(query, request).sort((a, b) => a.rank - b.rank || b.rowid - a.rowid);
    const kept = capPerDocument(ranked);
    const page = kept.slice(request.offset, request.offset + request.limit);
    // The best match scores 1, the others their share of its bm25 score (docs/search.md).
    const best = kept[0]?.rank ?? -1;
    const details = this.details(page);
    const results = page.map((c): SearchResult => {
      const detail = details.get(c.rowid)!;
      return {
        id: detail.id,
        type: c.kind,
        title: detail.title,
        snippet: detail.snippet,
        relevance_score: Math.round((c.rank / best) * 10_000) / 10_000,
        tags: JSON.parse(detail.tags) as string[],
        project_id: detail.project_id,
      };
    });
    return { results, total: kept.length };
  }

  /**
   * The newest matches of each kind. The last word's prefix form is used only when its exact form fills no
   * kind's candidate set: expanding a prefix merges the doclists of every term it starts (~40 ms per kind
   * for a word found in a million rows, whatever the rowid range), while an exact doclist is read lazily. A
   * word that common needs no completion; the cost is that rarer words it starts are not searched then.
   */
  /**
   * Words this common would make bm25 read each one's whole doclist to weigh it (16 ms for a word in a
   * million rows, however few rows are ranked); the bounded candidate set is scored here instead.
   */
  private candidates(query: string, request: SearchRequest): Candidate[] {
    const exact = query.endsWith('*') ? query.slice(0, -1) : query;
    if (this.isCommon(exact, request))
      return scoreByTermFrequency(this.matches(exact, request, TEXT_SQL), exact);
    return this.matches(query, request, RANKED_SQL);
  }

  /** Whether the exact words fill some kind's candidate set; counted lazily, without ranking. */
  private isCommon(exact: string, request: SearchRequest): boolean {
    return request.types.some(
      (kind) =>
        (this.db
          .stmt(COMMON_SQL)
          .pluck()
          .get({ query: exact, ...rowidRange(kind), cap: CANDIDATES_PER_KIND }) as number) >=
        CANDIDATES_PER_KIND,
    );
  }

  private matches(match: string, request: SearchRequest, sql: ReturnType<typeof candidateSql>): Candidate[] {
    const all: Candidate[] = [];
    for (const kind of request.types) {
      // better-sqlite3 reads only the named parameters a statement has; the rest are ignored.
      const params = {
        query: match,
        ...rowidRange(kind),
        cap: CANDIDATES_PER_KIND,
        project: request.project_id,
      };
      const statement = this.db.stmt(request.project_id ? sql[kind].project : sql[kind].all);
      for (const row of statement.all(params) as CandidateRow[]) all.push({ ...row, kind, match });
    }
    return all;
  }

  /** Details and snippets of the page's rows by search rowid: two queries per kind, not one per row. */
  private details(page: readonly Candidate[]): Map<number, Detail & { snippet: string }> {
    const byRowid = new Map<number, Detail & { snippet: string }>();
    for (const kind of new Set(page.map((c) => c.kind))) {
      const base = SEARCH_ROWID_BASE[kind];
      const ofKind = page.filter((c) => c.kind === kind);
      const rowids = ofKind.map((c) => c.rowid);
      const snippets = this.db.stmt(SNIPPET_SQL).all({
        query: ofKind[0]!.match,
        lo: BigInt(Math.min(...rowids)),
        hi: BigInt(Math.max(...rowids)),
        rowids: JSON.stringify(rowids),
      }) as SnippetRow[];
      const snippetOf = new Map(snippets.map((row) => [row.rowid, snippetText(row)]));
      const rows = this.db
        .stmt(DETAIL_SQL[kind])
        .all(JSON.stringify(rowids.map((r) => r - base))) as Detail[];
      for (const row of rows)
        byRowid.set(row.seq + base, { ...row, snippet: snippetOf.get(row.seq + base) ?? '' });
    }
    return byRowid;
  }
}

/**
 * Rowid bounds of a kind, as BigInt: FTS5 ignores a rowid constraint whose value is not an INTEGER (it
 * would silently search every kind), and better-sqlite3 binds a JS number as REAL.
 */
function rowidRange(kind: Kind): { base: bigint; lo: bigint; hi: bigint } {
  const base = BigInt(SEARCH_ROWID_BASE[kind]);
  return { base, lo: base, hi: base + BigInt(SEARCH_KIND_SPAN) - 1n };
}

/** The body around the hits; the title or tags when only they matched. One line, ≤ SNIPPET_CHARS. */
function snippetText({ body, best }: SnippetRow): string {
  const text = body.includes(OPEN) ? body : best;
  return clip(text.replace(/\s+/g, ' ').trim()).replaceAll(OPEN, MARK_OPEN).replaceAll(CLOSE, MARK_CLOSE);
}

/** Keeps a document's best CHUNKS_PER_DOCUMENT chunks (the list is sorted best first). */
function capPerDocument(ranked: readonly Candidate[]): Candidate[] {
  const seen = new Map<number, number>();
  return ranked.filter((c) => {
    if (c.document_seq === undefined) return true;
    const count = (seen.get(c.document_seq) ?? 0) + 1;
    seen.set(c.document_seq, count);
    return count <= CHUNKS_PER_DOCUMENT;
  });
}

/** Cuts to SNIPPET_CHARS with an ellipsis, never inside a surrogate pair or between a hit's markers. */
function clip(text: string): string {
  if (text.length <= SNIPPET_CHARS) return text;
  let cut = text.slice(0, SNIPPET_CHARS - 2);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  if (cut.lastIndexOf(OPEN) > cut.lastIndexOf(CLOSE)) cut += CLOSE;
  return `${cut}…`;
}

/** Column weights and BM25 constants, as in the index's rank setting `bm25(10, 5, 1, 5)`. */
const COLUMN_WEIGHTS = { title: 10, heading: 5, body: 1, tags: 5 } as const;
const K1 = 1.2;
const B = 0.75;

/** Text as the index's unicode61 tokenizer with remove_diacritics compares it (ASCII takes a short cut). */
function fold(text: string): string {
  return /^[\x00-\x7f]*$/.test(text)
    ? text.toLowerCase()
    : text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Occurrences of `term` in folded text as a whole word. */
function occurrences(text: string, term: string): number {
  let count = 0;
  for (let at = text.indexOf(term); at !== -1; at = text.indexOf(term, at + term.length)) {
    const before = text[at - 1];
    const after = text[at + term.length];
    if ((before === undefined || !WORD_CHAR.test(before)) && (after === undefined || !WORD_CHAR.test(after)))
      count++;
  }
  return count;
}

/**
 * BM25 without the inverse document frequency: every candidate contains every query word (the match is an
 * AND), so what ranks them is how often and where each word occurs, against the column's mean length (in
 * characters) in the candidate set. Scores are negative like FTS5's, lower is better.
 */
function scoreByTermFrequency(candidates: Candidate[], exact: string): Candidate[] {
  const terms = [...exact.matchAll(/"([^"]*)"/g)].map((m) => fold(m[1]!));
  const columns = Object.keys(COLUMN_WEIGHTS) as (keyof typeof COLUMN_WEIGHTS)[];
  const texts = candidates.map((c) => columns.map((column) => fold(c[column] ?? '')));
  const meanLength = columns.map(
    (_, i) => texts.reduce((sum, cols) => sum + cols[i]!.length, 0) / Math.max(1, texts.length) || 1,
  );
  return candidates.map((candidate, n) => {
    let score = 0;
    columns.forEach((column, i) => {
      const text = texts[n]![i]!;
      const norm = K1 * (1 - B + (B * text.length) / meanLength[i]!);
      for (const term of terms) {
        const tf = occurrences(text, term);
        if (tf > 0) score += (COLUMN_WEIGHTS[column] * tf * (K1 + 1)) / (tf + norm);
      }
    });
    const { title: _t, heading: _h, body: _b, tags: _g, ...rest } = candidate;
    return { ...rest, rank: -score };
  });
}
