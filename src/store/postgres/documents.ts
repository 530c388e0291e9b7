import { BinderyError, type Document } from '../../contract/index.js';
import { keysetPage } from '../cursor.js';
import type { DocumentSummaryRecord, NewChunk, Page, PageRequest } from '../types.js';
import { newestFirst, type PgSession } from './database.js';
import { toJson } from './json.js';

type DocumentRow = DocumentSummaryRecord & { seq: number };

const SUMMARY_COLUMNS = `seq, id, title, document_type, source_path, tags, project_id, content_hash, chunk_count,
  size_bytes, created_at`;

export interface DocumentFilter {
  project_id?: string | undefined;
  document_type?: string | undefined;
}

/** Documents and their chunks; a chunk's search vector is filled by its insert trigger (migration 2). */
export const pgDocuments = {
  async findByHash(s: PgSession, contentHash: string): Promise<DocumentSummaryRecord | null> {
    const row = await s.row<DocumentRow>(`SELECT ${SUMMARY_COLUMNS} FROM documents WHERE content_hash = $1`, [
      contentHash,
    ]);
    return row ? toSummary(row) : null;
  },

  /** The document and all its chunks in one transaction, so a 5 MB document is all or nothing. */
  async insert(s: PgSession, document: Omit<Document, 'chunks'>, chunks: readonly NewChunk[]): Promise<void> {
    const twin = await pgDocuments.findByHash(s, document.content_hash);
    if (twin) {
      throw BinderyError.conflict(`Document ${twin.id} with the same content was indexed meanwhile.`, {
        document_id: twin.id,
      });
    }
    // A twin inserted by another server after the check fails on documents_content_hash_key: a conflict too.
    await s.run(
      `INSERT INTO documents (id, title, document_type, source_path, tags, project_id, content_hash, chunk_count,
         size_bytes, created_at, content)
       VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $9, $10, $11)`,
      [
        document.id,
        document.title,
        document.document_type,
        document.source_path,
        document.tags,
        document.project_id,
        document.content_hash,
        document.chunk_count,
        document.size_bytes,
        document.created_at,
        document.content,
      ],
    );
    await insertChunks(s, document.id, chunks);
  },

  async get(s: PgSession, id: string): Promise<Document | null> {
    const row = await s.row<DocumentRow & { content: string }>(
      `SELECT ${SUMMARY_COLUMNS}, content FROM documents WHERE id = $1`,
      [id],
    );
    if (!row) return null;
    const chunks = await s.rows<{ index: number; start: number; end: number; heading_path: string[] }>(
      `SELECT chunk_index AS "index", start_offset AS start, end_offset AS "end", heading_path
       FROM document_chunks WHERE document_id = $1 ORDER BY chunk_index`,
      [id],
    );
    return { ...toSummary(row), content: row.content, chunks };
  },

  /** Newest first. */
  async list(s: PgSession, filter: DocumentFilter, page: PageRequest): Promise<Page<DocumentSummaryRecord>> {
    const { rows, total } = await newestFirst<DocumentRow>(s, {
      table: 'documents',
      columns: SUMMARY_COLUMNS,
      conditions: [
        [(p) => `project_id = ${p}`, filter.project_id],
        [(p) => `document_type = ${p}`, filter.document_type],
      ],
      page,
    });
    return keysetPage(rows, page.limit, total, (pageRows) => pageRows.map(toSummary));
  },

  /** ON DELETE CASCADE removes the chunks and with them their search vectors. */
  async delete(s: PgSession, id: string): Promise<boolean> {
    return (await s.run('DELETE FROM documents WHERE id = $1', [id])) > 0;
  },
};

/** All chunks of a document in one statement, in index order. */
export async function insertChunks(
  s: PgSession,
  documentId: string,
  chunks: readonly NewChunk[],
): Promise<void> {
  if (chunks.length === 0) return;
  await s.run(
    `INSERT INTO document_chunks (document_id, chunk_index, start_offset, end_offset, heading_path, text)
     SELECT $1, r.index, r.start, r."end", r.heading_path, r.text
     FROM json_to_recordset($2::json) AS r(index int, start int, "end" int, heading_path text[], text text)
     ORDER BY r.index`,
    [documentId, toJson(chunks)],
  );
}

function toSummary(row: DocumentRow): DocumentSummaryRecord {
  return {
    id: row.id,
    title: row.title,
    document_type: row.document_type,
    source_path: row.source_path,
    tags: row.tags,
    project_id: row.project_id,
    content_hash: row.content_hash,
    chunk_count: row.chunk_count,
    size_bytes: row.size_bytes,
    created_at: row.created_at,
  };
}
