import type { SearchResult } from '../../contract/index.js';
import { type CandidateSource, type MatchMode, rankedSearch, type SearchCandidate } from '../search-rank.js';
import { CANDIDATES_PER_KIND } from '../search-rules.js';
import type { QueryTerm } from '../search-text.js';
import type { SearchPage, SearchRequest } from '../types.js';
import type { PgSession } from './database.js';
import { SEARCH_CONFIG } from './migrations.js';

type Kind = SearchResult['type'];

/**
 * SQL for the tsquery of `terms`, their values appended to `params`: all (&&) or any (||) of the words,
 * each stemmed by plainto_tsquery, which knows no operators; a prefix term goes to to_tsquery quoted with
 * `:*` appended, and it holds only letters and digits, so nothing in it can be an operator. A scalar
 * subquery: PostgreSQL evaluates it once per statement and can still use it as a GIN index condition.
 */
function tsquery(terms: readonly QueryTerm[], mode: MatchMode, params: unknown[]): string {
  const parts = terms.map((term) => {
    const word = `plainto_tsquery('${SEARCH_CONFIG}', $${params.push(term.word)}::text)`;
    if (!term.prefix) return word;
    return `(${word} || to_tsquery('${SEARCH_CONFIG}', '''' || $${params.push(term.prefix)}::text || ''':*'))`;
  });
  return `(SELECT ${parts.join(mode === 'all' ? ' && ' : ' || ')})`;
}

const NO_CHUNK =
  'NULL::text[] AS heading_path, NULL::int AS chunk_index, NULL::text AS source_path, NULL::text AS document_type';

/**
 * The newest CANDIDATES_PER_KIND matches of a kind with the text they are ranked by, found through the
 * GIN index, in the projects `project` admits when given (an SQL comparison: `= $2`, `= ANY($2::text[])`).
 */
const CANDIDATES: Record<Kind, (q: string, project: string | null) => string> = {
  task: (
    q,
    project,
  ) => `SELECT 'task' AS kind, seq AS key, id, title, tags, project_id, description AS body, ${NO_CHUNK}
    FROM tasks WHERE search @@ ${q} ${project ? `AND project_id ${project}` : ''}
    ORDER BY seq DESC LIMIT ${CANDIDATES_PER_KIND}`,
  project: (q, project) => `SELECT 'project' AS kind, seq AS key, id, name AS title, tags, id AS project_id,
      description AS body, ${NO_CHUNK}
    FROM projects WHERE search @@ ${q} ${project ? `AND id ${project}` : ''}
    ORDER BY seq DESC LIMIT ${CANDIDATES_PER_KIND}`,
  note: (
    q,
    project,
  ) => `SELECT 'note' AS kind, seq AS key, id, title, tags, project_id, content AS body, ${NO_CHUNK}
    FROM notes WHERE search @@ ${q} ${project ? `AND project_id ${project}` : ''}
    ORDER BY seq DESC LIMIT ${CANDIDATES_PER_KIND}`,
  document: (q, project) => `SELECT 'document' AS kind, m.seq AS key, d.id, d.title, d.tags, d.project_id,
      m.text AS body, m.heading_path, m.chunk_index, d.source_path, d.document_type
    FROM (SELECT c.seq, c.document_id, c.text, c.heading_path, c.chunk_index FROM document_chunks c
          WHERE c.search @@ ${q} ${
            project
              ? `AND EXISTS (SELECT 1 FROM documents d WHERE d.id = c.document_id AND d.project_id ${project})`
              : ''
          } ORDER BY c.seq DESC LIMIT ${CANDIDATES_PER_KIND}) m
    JOIN documents d ON d.id = m.document_id`,
};

/** Rows per kind, from the largest key (deleted rows included: an estimate is all ranking needs). */
const SIZE: Record<Kind, string> = {
  task: '(SELECT coalesce(max(seq), 0) FROM tasks)',
  project: '(SELECT coalesce(max(seq), 0) FROM projects)',
  note: '(SELECT coalesce(max(seq), 0) FROM notes)',
  document: '(SELECT coalesce(max(seq), 0) FROM document_chunks)',
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
}

/** Full-text matches from the tsvector columns (migration 4), ranked by search-rank. */
export function search(s: PgSession, request: SearchRequest): Promise<SearchPage> {
  return rankedSearch(pgCandidates(s), request);
}

function pgCandidates(s: PgSession): CandidateSource {
  return {
    async candidates(terms, mode, request) {
      const params: unknown[] = [];
      const q = tsquery(terms, mode, params);
      let project: string | null = null;
      if (request.project_id) project = `= $${params.push(request.project_id)}`;
      // A project-limited token's projects (docs/access.md).
      else if (request.project_ids) project = `= ANY($${params.push(request.project_ids)}::text[])`;
      const sql = request.types.map((kind) => `(${CANDIDATES[kind](q, project)})`).join(' UNION ALL ');
      return (await s.rows<Row>(sql, params)).map(toCandidate);
    },
    async corpusSize(request) {
      return Number(await s.value<string>(`SELECT ${request.types.map((k) => SIZE[k]).join(' + ')}`));
    },
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
    heading: row.heading_path?.join(' › ') ?? '',
    path: row.source_path ?? '',
    body: row.body,
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
