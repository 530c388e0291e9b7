import type { SearchResult } from '../../contract/index.js';
import { type CandidateSource, type MatchMode, rankedSearch, type SearchCandidate } from '../search-rank.js';
import { CANDIDATES_PER_KIND, candidateLimit } from '../search-rules.js';
import { headingLine, type QueryTerm } from '../search-text.js';
import type { SearchPage, SearchRequest } from '../types.js';
import type { SqliteDatabase } from './database.js';
import { SEARCH_KIND_SPAN, SEARCH_ROWID_BASE } from './migrations.js';

type Kind = SearchResult['type'];

/**
 * Terms → an FTS5 expression that cannot be syntax: each word (letters and digits only) is quoted, so
 * AND, NEAR, *, ", (, - are never operators; all must match (AND) or any (OR). The porter
 * tokenizer stems the quoted words as it stemmed the text. A typed last word matches as a prefix (QueryTerm.prefix).
 */
export function ftsExpression(terms: readonly QueryTerm[], mode: MatchMode, prefix = true): string {
  const words = terms.map((t) => (prefix && t.prefix ? `("${t.word}" OR "${t.prefix}"*)` : `"${t.word}"`));
  return words.join(mode === 'all' ? ' AND ' : ' OR ');
}

/**
 * The newest @limit matches in a kind's rowid range (candidateLimit): FTS5 walks its doclists backwards
 * and stops there. CROSS JOIN keeps search_index the outer loop; the text comes from the source table
 * (a chunk's from the index, its only copy).
 */
const newestMatches = (joins: string, filter = '') => `FROM search_index f ${joins}
  WHERE f.search_index MATCH @query AND f.rowid BETWEEN @lo AND @hi ${filter}
  ORDER BY f.rowid DESC LIMIT @limit`;

const TASK_COLUMNS = 't.seq AS key, t.id, t.title, t.tags, t.project_id, t.description AS body';
const PROJECT_COLUMNS =
  'p.seq AS key, p.id, p.name AS title, p.tags, p.id AS project_id, p.description AS body';
const NOTE_COLUMNS = 'n.seq AS key, n.id, n.title, n.tags, n.project_id, n.content AS body';
const CHUNK_COLUMNS = `c.seq AS key, d.id, d.title, d.tags, d.project_id, f.body, f.extra, c.heading_path,
  c.chunk_index, d.source_path, d.document_type`;
const CHUNK_JOIN =
  'CROSS JOIN document_chunks c ON c.seq = f.rowid - @base CROSS JOIN documents d ON d.seq = c.document_seq';

/** `project`: only the projects in the JSON list bound as @projects. */
const CANDIDATE_SQL: Record<Kind, { all: string; project: string }> = {
  task: {
    all: `SELECT ${TASK_COLUMNS} ${newestMatches('CROSS JOIN tasks t ON t.seq = f.rowid - @base')}`,
    project: `SELECT ${TASK_COLUMNS}
      ${newestMatches('CROSS JOIN tasks t ON t.seq = f.rowid - @base', 'AND t.project_id IN (SELECT value FROM json_each(@projects))')}`,
  },
  project: {
    all: `SELECT ${PROJECT_COLUMNS} ${newestMatches('CROSS JOIN projects p ON p.seq = f.rowid - @base')}`,
    // Driven from projects: for unknown ids FTS5 is never asked (a NULL rowid bound would mean no bound).
    project: `SELECT ${PROJECT_COLUMNS} FROM projects p CROSS JOIN search_index f ON f.rowid = p.seq + @base
      WHERE p.id IN (SELECT value FROM json_each(@projects)) AND f.search_index MATCH @query`,
  },
  note: {
    all: `SELECT ${NOTE_COLUMNS} ${newestMatches('CROSS JOIN notes n ON n.seq = f.rowid - @base')}`,
    project: `SELECT ${NOTE_COLUMNS}
      ${newestMatches('CROSS JOIN notes n ON n.seq = f.rowid - @base', 'AND n.project_id IN (SELECT value FROM json_each(@projects))')}`,
  },
  document: {
    all: `SELECT ${CHUNK_COLUMNS} ${newestMatches(CHUNK_JOIN)}`,
    project: `SELECT ${CHUNK_COLUMNS} ${newestMatches(CHUNK_JOIN, 'AND d.project_id IN (SELECT value FROM json_each(@projects))')}`,
  },
};

/** Matches of a kind, counted up to the cap: FTS5 stops reading the doclist there. */
const COUNT_SQL = `SELECT count(*) FROM (SELECT 1 FROM search_index f
  WHERE f.search_index MATCH @query AND f.rowid BETWEEN @lo AND @hi LIMIT @cap)`;

/** Rows per kind, from the largest key (deleted rows included: an estimate is all ranking needs). */
const SIZE_SQL: Record<Kind, string> = {
  task: 'SELECT coalesce(max(seq), 0) FROM tasks',
  project: 'SELECT coalesce(max(seq), 0) FROM projects',
  note: 'SELECT coalesce(max(seq), 0) FROM notes',
  document: 'SELECT coalesce(max(seq), 0) FROM document_chunks',
};

interface CandidateRow {
  key: number;
  id: string;
  title: string;
  tags: string;
  project_id: string | null;
  body: string;
  extra?: string;
  heading_path?: string;
  chunk_index?: number;
  source_path?: string | null;
  document_type?: string;
}

/** Full-text matches from the one search_index table (migration 5), ranked by search-rank. */
export class SqliteSearch implements CandidateSource {
  constructor(private readonly db: SqliteDatabase) {}

  search(request: SearchRequest): Promise<SearchPage> {
    return rankedSearch(this, request);
  }

  candidates(terms: readonly QueryTerm[], mode: MatchMode, request: SearchRequest) {
    return this.turn(() => {
      const exact = ftsExpression(terms, mode, false);
      const common = this.commonKinds(exact, request.types);
      // A word that common needs no completion: expanding the last word as a prefix merges the doclists of
      // every term it starts (~40 ms per kind for a word found in a million rows).
      const query = common.size > 0 ? exact : ftsExpression(terms, mode);
      const rows: SearchCandidate[] = [];
      // The project named, else a project-limited token's projects (docs/access.md).
      const projects = request.project_id ? [request.project_id] : request.project_ids;
      for (const kind of request.types) {
        // better-sqlite3 reads only the named parameters a statement has; the rest are ignored.
        const params = {
          query,
          ...rowidRange(kind),
          limit: candidateLimit(common.has(kind)),
          projects: JSON.stringify(projects),
        };
        const sql = CANDIDATE_SQL[kind][projects ? 'project' : 'all'];
        for (const row of this.db.stmt(sql).all(params) as CandidateRow[]) rows.push(toCandidate(kind, row));
      }
      return { rows, common: common.size > 0 };
    });
  }

  corpusSize(request: SearchRequest): Promise<number> {
    return this.turn(() =>
      request.types.reduce((sum, kind) => sum + (this.db.stmt(SIZE_SQL[kind]).pluck().get() as number), 0),
    );
  }

  /** One synchronous piece in its turn on the connection. */
  private turn<T>(fn: () => T): Promise<T> {
    return this.db.exclusive(() => this.db.run(fn));
  }

  /**
   * The kinds in which `exact` matches CANDIDATES_PER_KIND rows or more, counted lazily (FTS5 stops reading
   * the doclist at the cap). First over the rowid span of all the kinds at once: when that stays under the
   * cap, no kind reaches it, and a rare word costs one probe of the index's segments instead of one a kind.
   */
  private commonKinds(exact: string, kinds: readonly Kind[]): Set<Kind> {
    const count = (range: { lo: bigint; hi: bigint }) =>
      this.db.stmt(COUNT_SQL).pluck().get({ query: exact, ...range, cap: CANDIDATES_PER_KIND }) as number;
    const ranges = kinds.map(rowidRange);
    const span = {
      lo: ranges.reduce((lo, r) => (r.lo < lo ? r.lo : lo), ranges[0]!.lo),
      hi: ranges.reduce((hi, r) => (r.hi > hi ? r.hi : hi), ranges[0]!.hi),
    };
    if (count(span) < CANDIDATES_PER_KIND) return new Set();
    return new Set(kinds.filter((_, i) => count(ranges[i]!) >= CANDIDATES_PER_KIND));
  }
}

function toCandidate(kind: Kind, row: CandidateRow): SearchCandidate {
  const candidate: SearchCandidate = {
    kind,
    key: row.key,
    group: kind === 'document' ? row.id : null,
    id: row.id,
    title: row.title,
    tags: JSON.parse(row.tags) as string[],
    project_id: row.project_id,
    heading: '',
    path: row.source_path ?? '',
    body: row.body,
    identifiers: '',
  };
  if (kind === 'document') {
    const headingPath = JSON.parse(row.heading_path!) as string[];
    candidate.heading = headingLine(headingPath);
    candidate.identifiers = storedIdentifiers(row.extra!, candidate.path);
    candidate.chunk = {
      index: row.chunk_index!,
      heading_path: headingPath,
      code: row.document_type === 'code',
    };
  }
  return candidate;
}

/** A chunk's `extra` index column is its identifier words, then its file's path (dialect.ts). */
function storedIdentifiers(extra: string, path: string): string {
  return (path && extra.endsWith(path) ? extra.slice(0, -path.length) : extra).trimEnd();
}

/**
 * Rowid bounds of a kind, as BigInt: FTS5 ignores a rowid constraint whose value is not an INTEGER (it
 * would silently search every kind), and better-sqlite3 binds a JS number as REAL.
 */
function rowidRange(kind: Kind): { base: bigint; lo: bigint; hi: bigint } {
  const base = BigInt(SEARCH_ROWID_BASE[kind]);
  return { base, lo: base, hi: base + BigInt(SEARCH_KIND_SPAN) - 1n };
}
