import type { SearchResult } from '../../contract/index.js';
import {
  type CandidateSet,
  type CandidateSource,
  type MatchMode,
  rankedSearch,
  type SearchCandidate,
} from '../search-rank.js';
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

/** How a kind's rows are read: their columns, joined to a search_index rowid (`at`), and their project. */
interface KindSql {
  columns: string;
  join: (at: string) => string;
  project: string;
}
const KIND_SQL: Record<Kind, KindSql> = {
  task: {
    columns: 't.seq AS key, t.id, t.title, t.tags, t.project_id, t.description AS body',
    join: (at) => `CROSS JOIN tasks t ON t.seq = ${at} - @base`,
    project: 't.project_id',
  },
  project: {
    columns: 'p.seq AS key, p.id, p.name AS title, p.tags, p.id AS project_id, p.description AS body',
    join: (at) => `CROSS JOIN projects p ON p.seq = ${at} - @base`,
    project: 'p.id',
  },
  note: {
    columns: 'n.seq AS key, n.id, n.title, n.tags, n.project_id, n.content AS body',
    join: (at) => `CROSS JOIN notes n ON n.seq = ${at} - @base`,
    project: 'n.project_id',
  },
  // A chunk's text comes from the index (`f`), its only copy.
  document: {
    columns: `c.seq AS key, d.id, d.title, d.tags, d.project_id, f.body, f.extra, c.heading_path,
      c.chunk_index, d.source_path, d.document_type`,
    join: (at) =>
      `CROSS JOIN document_chunks c ON c.seq = ${at} - @base CROSS JOIN documents d ON d.seq = c.document_seq`,
    project: 'd.project_id',
  },
};

/** Only the projects in the JSON list bound as @projects. */
const inProjects = (kind: Kind) => `${KIND_SQL[kind].project} IN (SELECT value FROM json_each(@projects))`;

/**
 * The newest @limit matches in a kind's rowid range (candidateLimit): FTS5 walks its doclists backwards
 * and stops there. CROSS JOIN keeps search_index the outer loop. `scoped`: in the projects only.
 */
const newestOfKind = (kind: Kind, scoped: boolean) => `SELECT ${KIND_SQL[kind].columns}
  FROM search_index f ${KIND_SQL[kind].join('f.rowid')}
  WHERE f.search_index MATCH @query AND f.rowid BETWEEN @lo AND @hi ${scoped ? `AND ${inProjects(kind)}` : ''}
  ORDER BY f.rowid DESC LIMIT @limit`;

const NEWEST_SQL: Record<Kind, { all: string; project: string }> = {
  task: { all: newestOfKind('task', false), project: newestOfKind('task', true) },
  project: {
    all: newestOfKind('project', false),
    // Driven from projects: for unknown ids FTS5 is never asked (a NULL rowid bound would mean no bound).
    project: `SELECT ${KIND_SQL.project.columns} FROM projects p
      CROSS JOIN search_index f ON f.rowid = p.seq + @base
      WHERE ${inProjects('project')} AND f.search_index MATCH @query`,
  },
  note: { all: newestOfKind('note', false), project: newestOfKind('note', true) },
  document: { all: newestOfKind('document', false), project: newestOfKind('document', true) },
};

/** Every match in a rowid span, newest first, up to @cap: the rowids of all kinds in one probe of the index. */
const MATCHES_SQL = `SELECT f.rowid FROM search_index f
  WHERE f.search_index MATCH @query AND f.rowid BETWEEN @lo AND @hi ORDER BY f.rowid DESC LIMIT @cap`;

/** A kind's rows by their search_index rowids (the JSON list @ids). */
const byRowid = (kind: Kind, scoped: boolean) => `SELECT ${KIND_SQL[kind].columns}
  FROM json_each(@ids) j ${kind === 'document' ? 'CROSS JOIN search_index f ON f.rowid = j.value' : ''}
  ${KIND_SQL[kind].join('j.value')} ${scoped ? `WHERE ${inProjects(kind)}` : ''}`;

const BY_ROWID_SQL = Object.fromEntries(
  (Object.keys(KIND_SQL) as Kind[]).map((kind) => [
    kind,
    { all: byRowid(kind, false), project: byRowid(kind, true) },
  ]),
) as Record<Kind, { all: string; project: string }>;

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

  /**
   * The rows are read in the connection's turn and handed over after it, so that the turn (and the store's
   * operation timing) holds the statements only: better-sqlite3 reads them whole anyway.
   */
  async candidates(
    terms: readonly QueryTerm[],
    mode: MatchMode,
    request: SearchRequest,
    take: (candidate: SearchCandidate) => void,
  ): Promise<CandidateSet> {
    const { rows, common } = await this.turn(() => {
      const exact = ftsExpression(terms, mode, false);
      const common = this.commonKinds(exact, request.types);
      // The project named, else a project-limited token's projects (docs/access.md).
      const projects = request.project_id ? [request.project_id] : request.project_ids;
      const scope = projects ? 'project' : 'all';
      const base = { projects: JSON.stringify(projects) };
      const rows: SearchCandidate[] = [];
      const read = (kind: Kind, sql: string, params: object) => {
        // better-sqlite3 reads only the named parameters a statement has; the rest are ignored.
        for (const row of this.db
          .stmt(sql)
          .all({ ...base, ...params, ...rowidRange(kind) }) as CandidateRow[])
          rows.push(toCandidate(kind, row));
      };
      if (common.size === 0) {
        const query = ftsExpression(terms, mode);
        const byKind = this.allMatches(query, request.types);
        if (byKind) {
          for (const [kind, ids] of byKind)
            if (ids.length > 0) read(kind, BY_ROWID_SQL[kind][scope], { ids: JSON.stringify(ids) });
          return { rows, common: false };
        }
        for (const kind of request.types)
          read(kind, NEWEST_SQL[kind][scope], { query, limit: CANDIDATES_PER_KIND });
        return { rows, common: false };
      }
      // A word that common needs no completion: expanding the last word as a prefix merges the doclists of
      // every term it starts (~40 ms per kind for a word found in a million rows).
      for (const kind of request.types)
        read(kind, NEWEST_SQL[kind][scope], { query: exact, limit: candidateLimit(common.has(kind)) });
      return { rows, common: true };
    });
    for (const row of rows) take(row);
    return { common };
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
   * the doclist at the cap). First over the span of all the kinds at once: when that stays under the cap,
   * no kind reaches it, and a rare word costs one probe of the index's segments instead of one a kind.
   */
  private commonKinds(exact: string, kinds: readonly Kind[]): Set<Kind> {
    const count = (range: { lo: bigint; hi: bigint }) =>
      this.db
        .stmt(COUNT_SQL)
        .pluck()
        .get({ query: exact, ...range, cap: CANDIDATES_PER_KIND }) as number;
    if (count(span(kinds)) < CANDIDATES_PER_KIND) return new Set();
    return new Set(kinds.filter((kind) => count(rowidRange(kind)) >= CANDIDATES_PER_KIND));
  }

  /**
   * The rowids of every match of the requested kinds, by kind, read in one probe of the index; undefined
   * when some kind has CANDIDATES_PER_KIND or more (the typed prefix can add many), which then reads its
   * newest by itself.
   */
  private allMatches(query: string, kinds: readonly Kind[]): Map<Kind, number[]> | undefined {
    const cap = CANDIDATES_PER_KIND * kinds.length;
    const rowids = this.db
      .stmt(MATCHES_SQL)
      .pluck()
      .all({ query, ...span(kinds), cap }) as number[];
    if (rowids.length >= cap) return undefined;
    const byKind = new Map<Kind, number[]>(kinds.map((kind) => [kind, []]));
    for (const rowid of rowids) {
      const ids = byKind.get(kindOf(rowid));
      // A kind inside the span that was not asked for.
      if (!ids) continue;
      if (ids.push(rowid) >= CANDIDATES_PER_KIND) return undefined;
    }
    return byKind;
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

/** The rowid span from the lowest to the highest of the kinds' ranges. */
function span(kinds: readonly Kind[]): { lo: bigint; hi: bigint } {
  const bases = kinds.map((kind) => SEARCH_ROWID_BASE[kind]);
  return { lo: BigInt(Math.min(...bases)), hi: BigInt(Math.max(...bases) + SEARCH_KIND_SPAN) - 1n };
}

const KINDS = Object.keys(SEARCH_ROWID_BASE) as Kind[];

/** The kind whose rowid range holds `rowid`. */
function kindOf(rowid: number): Kind {
  return KINDS.find(
    (kind) => rowid >= SEARCH_ROWID_BASE[kind] && rowid < SEARCH_ROWID_BASE[kind] + SEARCH_KIND_SPAN,
  )!;
}

/**
 * Rowid bounds of a kind, as BigInt: FTS5 ignores a rowid constraint whose value is not an INTEGER (it
 * would silently search every kind), and better-sqlite3 binds a JS number as REAL.
 */
function rowidRange(kind: Kind): { base: bigint; lo: bigint; hi: bigint } {
  const base = BigInt(SEARCH_ROWID_BASE[kind]);
  return { base, lo: base, hi: base + BigInt(SEARCH_KIND_SPAN) - 1n };
}
