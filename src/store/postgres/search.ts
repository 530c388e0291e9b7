import type { SearchResult } from '../../contract/index.js';
import { type CandidateSource, type MatchMode, rankedSearch, type SearchCandidate } from '../search-rank.js';
import { CANDIDATES_PER_KIND, candidateLimit } from '../search-rules.js';
import { headingLine, type QueryTerm } from '../search-text.js';
import type { SearchPage, SearchRequest } from '../types.js';
import type { PgSession } from './database.js';
import { SEARCH_CONFIG } from './migrations.js';

type Kind = SearchResult['type'];

/**
 * SQL for the tsquery of `terms`, their values appended to `params`: all (&&) or any (||) of the words,
 * each stemmed by plainto_tsquery, which knows no operators; a prefix term goes to to_tsquery quoted with
 * `:*` appended, and it holds only letters and digits, so nothing in it can be an operator.
 *
 * `planned`: written out, so that the planner (the statement is planned for its values) folds it into a
 * constant whose word statistics choose the plan: walk the newest rows for a word in most of them, the GIN
 * index for a rarer one. Otherwise a scalar subquery, which always takes the GIN index: the planner's guess
 * for a prefix is far too high (it would walk every row for a word in ten).
 */
function tsquery(terms: readonly QueryTerm[], mode: MatchMode, params: unknown[], planned: boolean): string {
  const parts = terms.map((term) => {
    const word = `plainto_tsquery('${SEARCH_CONFIG}', $${params.push(term.word)}::text)`;
    if (!term.prefix) return word;
    return `(${word} || to_tsquery('${SEARCH_CONFIG}', '''' || $${params.push(term.prefix)}::text || ''':*'))`;
  });
  return `(${planned ? '' : 'SELECT '}${parts.join(mode === 'all' ? ' && ' : ' || ')})`;
}

// Arrays come as JSON: the driver's parser for PostgreSQL's array text cost ~3 µs an array, a third of the
// time a common word's ~500 candidates took to arrive.
const NO_CHUNK =
  'NULL::json AS heading_path, NULL::int AS chunk_index, NULL::text AS source_path, ' +
  "NULL::text AS document_type, '' AS identifiers";

const TABLES: Record<Kind, string> = {
  task: 'tasks',
  project: 'projects',
  note: 'notes',
  document: 'document_chunks',
};

/**
 * The newest `limit` matches of a kind (candidateLimit) with the text they are ranked by, found through
 * the GIN index or by walking the newest rows, in the projects `project` admits when given (an SQL
 * comparison: `= $2`, `= ANY($2::text[])`).
 */
const CANDIDATES: Record<Kind, (q: string, project: string | null, limit: number) => string> = {
  task: (
    q,
    project,
    limit,
  ) => `SELECT 'task' AS kind, seq AS key, id, title, to_json(tags) AS tags, project_id, description AS body, ${NO_CHUNK}
    FROM tasks WHERE search @@ ${q} ${project ? `AND project_id ${project}` : ''}
    ORDER BY seq DESC LIMIT ${limit}`,
  project: (q, project, limit) => `SELECT 'project' AS kind, seq AS key, id, name AS title,
      to_json(tags) AS tags, id AS project_id, description AS body, ${NO_CHUNK}
    FROM projects WHERE search @@ ${q} ${project ? `AND id ${project}` : ''}
    ORDER BY seq DESC LIMIT ${limit}`,
  note: (
    q,
    project,
    limit,
  ) => `SELECT 'note' AS kind, seq AS key, id, title, to_json(tags) AS tags, project_id, content AS body, ${NO_CHUNK}
    FROM notes WHERE search @@ ${q} ${project ? `AND project_id ${project}` : ''}
    ORDER BY seq DESC LIMIT ${limit}`,
  // The newest keys first, then their rows: sorting the matches with their text and hashing them with their
  // documents took ~1.5 ms of a common word's 325 chunks (5.4 → 3.9 ms for the statement).
  document: (q, project, limit) => `SELECT 'document' AS kind, c.seq AS key, d.id, d.title,
      to_json(d.tags) AS tags, d.project_id, c.text AS body, to_json(c.heading_path) AS heading_path,
      c.chunk_index, d.source_path, d.document_type, c.identifiers
    FROM (SELECT m.seq FROM document_chunks m WHERE m.search @@ ${q} ${
      project
        ? `AND EXISTS (SELECT 1 FROM documents d WHERE d.id = m.document_id AND d.project_id ${project})`
        : ''
    } ORDER BY m.seq DESC LIMIT ${limit}) k
    JOIN document_chunks c ON c.seq = k.seq
    JOIN documents d ON d.id = c.document_id`,
};

interface Row {
  kind: Kind;
  key: string;
  id: string;
  title: string;
  tags: string[];
  project_id: string | null;
  body: string;
  heading_path: string[] | null;
  chunk_index: number | null;
  source_path: string | null;
  document_type: string | null;
  identifiers: string;
}

/** Full-text matches from the tsvector columns (migration 4), ranked by search-rank. */
export function search(s: PgSession, request: SearchRequest): Promise<SearchPage> {
  return rankedSearch(pgCandidates(s), request);
}

function pgCandidates(s: PgSession): CandidateSource {
  // Read with the first counts: one round trip fewer (each search asks its 'all' candidates first).
  let corpus: number | undefined;
  return {
    async candidates(terms, mode, request, take) {
      const exact = terms.map((term) => ({ ...term, prefix: null }));
      const typed = terms.some((term) => term.prefix);
      // When all words must match, those not typed as a prefix matching nowhere means nothing can match.
      const untyped = mode === 'all' && typed ? exact.filter((_, i) => !terms[i]!.prefix) : [];
      const counted = await countMatches(s, exact, mode, request.types, corpus === undefined, untyped);
      corpus ??= counted.corpus;
      // Provably empty: the round trip for the candidates (and a typed prefix's costly expansion) is saved,
      // as for most questions asked in full sentences, whose words are seldom all in one row.
      if (counted.none && (!typed || counted.untypedMatch === false)) return { common: false };
      const common = counted.common;
      // A word that common needs no completion: the last word is not expanded as a prefix then.
      const searched = common.size > 0 ? exact : terms;
      const params: unknown[] = [];
      const q = tsquery(searched, mode, params, common.size > 0);
      let project: string | null = null;
      if (request.project_id) project = `= $${params.push(request.project_id)}`;
      // A project-limited token's projects (docs/access.md).
      else if (request.project_ids) project = `= ANY($${params.push(request.project_ids)}::text[])`;
      const sql = request.types
        .map((kind) => `(${CANDIDATES[kind](q, project, candidateLimit(common.has(kind)))})`)
        .join(' UNION ALL ');
      await s.eachRowPlannedForValues<Row>(sql, params, (row) => take(toCandidate(row)));
      return { common: common.size > 0 };
    },
    async corpusSize(request) {
      corpus ??= Number(await s.value<string>(`SELECT ${corpusSql(request.types)}`));
      return corpus;
    },
  };
}

/** Rows of the kinds, from the largest keys (deleted rows included: an estimate is all ranking needs). */
const corpusSql = (kinds: readonly Kind[]) =>
  kinds.map((kind) => `(SELECT coalesce(max(seq), 0) FROM ${TABLES[kind]})`).join(' + ');

/**
 * The matches of a kind that a count reads (up to CANDIDATES_PER_KIND), planned so that neither trap below
 * is walked into:
 * - Tasks, projects and notes, all words required: from the newest row back. A word in most rows was
 *   counted by a sequential scan, and PostgreSQL reads a table larger than a quarter of shared_buffers
 *   sequentially through a small ring of buffers, so its pages came from the operating system every time:
 *   2.6 ms to count 1,000 of 100,000 tasks, 0.4 ms walking the primary key backwards, whose pages stay
 *   cached (and are the ones the candidates are then read from). Any word (the fill) is left to the
 *   planner: its words are seldom each in most rows, and walking back until 1,000 of a question's ~7 %
 *   matched read 14,000 rows (7 ms) where the GIN index, stopping at 1,000, took 4.5.
 * - Document chunks always through the GIN index (a scalar subquery; see tsquery). A chunk's vector is
 *   stored out of line: reading it row by row costs ~1.4 µs, which the planner does not weigh, and words it
 *   guessed in ~20 % of the chunks (they were in ~10 %) had it read every chunk to count 1,000 matches:
 *   14 ms against 3.6 through the index.
 */
function matchesCounted(kind: Kind, q: string, mode: MatchMode): string {
  if (kind === 'document')
    return `SELECT 1 FROM document_chunks WHERE search @@ (SELECT ${q}) LIMIT ${CANDIDATES_PER_KIND}`;
  const newest = mode === 'all' ? 'ORDER BY seq DESC' : '';
  return `SELECT 1 FROM ${TABLES[kind]} WHERE search @@ ${q} ${newest} LIMIT ${CANDIDATES_PER_KIND}`;
}

/**
 * The kinds in which the `exact` words (no prefix) match CANDIDATES_PER_KIND rows or more, counted up to
 * there in one statement planned for the words (a common word stops the count early); whether they match
 * nowhere; when asked, the corpus size, and whether the `untyped` words all match in some row.
 */
async function countMatches(
  s: PgSession,
  exact: readonly QueryTerm[],
  mode: MatchMode,
  kinds: readonly Kind[],
  withCorpus: boolean,
  untyped: readonly QueryTerm[],
): Promise<{ common: Set<Kind>; none: boolean; corpus?: number; untypedMatch?: boolean }> {
  const params: unknown[] = [];
  const q = tsquery(exact, mode, params, true);
  const columns = kinds.map(
    (kind) => `(SELECT count(*) FROM (${matchesCounted(kind, q, mode)}) m) AS ${kind}`,
  );
  if (withCorpus) columns.push(`${corpusSql(kinds)} AS corpus`);
  if (untyped.length > 0) {
    const u = tsquery(untyped, 'all', params, true);
    const exists = kinds.map((kind) => `EXISTS (SELECT 1 FROM ${TABLES[kind]} WHERE search @@ ${u})`);
    columns.push(`(${exists.join(' OR ')}) AS untyped`);
  }
  const [row] = await s.rowsPlannedForValues<Record<Kind | 'corpus', string> & { untyped?: boolean }>(
    `SELECT ${columns.join(', ')}`,
    params,
  );
  return {
    common: new Set(kinds.filter((kind) => Number(row![kind]) >= CANDIDATES_PER_KIND)),
    none: kinds.every((kind) => Number(row![kind]) === 0),
    ...(withCorpus ? { corpus: Number(row!.corpus) } : {}),
    ...(untyped.length > 0 ? { untypedMatch: row!.untyped } : {}),
  };
}

function toCandidate(row: Row): SearchCandidate {
  const candidate: SearchCandidate = {
    kind: row.kind,
    key: Number(row.key),
    group: row.kind === 'document' ? row.id : null,
    id: row.id,
    title: row.title,
    tags: row.tags,
    project_id: row.project_id,
    heading: headingLine(row.heading_path ?? []),
    path: row.source_path ?? '',
    body: row.body,
    identifiers: row.identifiers,
  };
  if (row.kind === 'document') {
    candidate.chunk = {
      index: row.chunk_index!,
      heading_path: row.heading_path ?? [],
      code: row.document_type === 'code',
    };
  }
  return candidate;
}
