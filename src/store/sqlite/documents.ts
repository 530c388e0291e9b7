import { BinderyError, type Document } from '../../contract/index.js';
import { keysetPage } from '../cursor.js';
import { identifierWords } from '../search-text.js';
import type { DocumentSummaryRecord, NewChunk, Page, PageRequest } from '../types.js';
import { newestFirst, type SqliteDatabase } from './database.js';
import { SEARCH_ROWID_BASE } from './migrations.js';

interface DocumentRow extends Omit<DocumentSummaryRecord, 'tags'> {
  seq: number;
  tags: string;
}

interface ChunkRow {
  chunk_index: number;
  start_offset: number;
  end_offset: number;
  heading_path: string;
}

export interface DocumentFilter {
  project_id?: string | undefined;
  document_type?: string | undefined;
}

const SUMMARY_COLUMNS = `seq, id, title, document_type, source_path, tags, project_id, content_hash, chunk_count,
  size_bytes, created_at`;

/** Documents, their chunk boundaries, and the chunks' entries in search_index. */
export class SqliteDocuments {
  constructor(private readonly db: SqliteDatabase) {}

  findByHash(contentHash: string): DocumentSummaryRecord | null {
    const row = this.db
      .stmt(`SELECT ${SUMMARY_COLUMNS} FROM documents WHERE content_hash = ?`)
      .get(contentHash) as DocumentRow | undefined;
    return row ? toSummary(row) : null;
  }

  /** The document, its chunks and their index entries: one transaction, so a 5 MB document is all or nothing. */
  insert(document: Omit<Document, 'chunks'>, chunks: readonly NewChunk[]): void {
    const twin = this.findByHash(document.content_hash);
    if (twin) {
      throw BinderyError.conflict(`Document ${twin.id} with the same content was indexed meanwhile.`, {
        document_id: twin.id,
      });
    }
    const { lastInsertRowid } = this.db
      .stmt(`INSERT INTO documents (id, title, document_type, source_path, tags, project_id, content_hash,
               chunk_count, size_bytes, created_at, content)
             VALUES (@id, @title, @document_type, @source_path, @tags, @project_id, @content_hash,
               @chunk_count, @size_bytes, @created_at, @content)`)
      .run({ ...document, tags: JSON.stringify(document.tags) });
    const insertChunk = this.db.stmt(`INSERT INTO document_chunks
      (document_seq, chunk_index, start_offset, end_offset, heading_path) VALUES (?, ?, ?, ?, ?)`);
    const indexChunk = this.db.stmt(
      'INSERT INTO search_index (rowid, title, heading, body, tags, extra) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const tags = document.tags.join(' ');
    for (const chunk of chunks) {
      const { lastInsertRowid: chunkSeq } = insertChunk.run(
        lastInsertRowid,
        chunk.index,
        chunk.start,
        chunk.end,
        JSON.stringify(chunk.heading_path),
      );
      const rowid = Number(chunkSeq) + SEARCH_ROWID_BASE.document;
      const heading = chunk.heading_path.join(' › ');
      const extra = `${identifierWords(`${document.title} ${heading} ${chunk.text}`)} ${document.source_path ?? ''}`;
      indexChunk.run(rowid, document.title, heading, chunk.text, tags, extra);
    }
  }

  get(id: string): Document | null {
    const row = this.db.stmt('SELECT * FROM documents WHERE id = ?').get(id) as
      | (DocumentRow & { content: string })
      | undefined;
    if (!row) return null;
    const chunks = this.db
      .stmt(`SELECT chunk_index, start_offset, end_offset, heading_path FROM document_chunks
             WHERE document_seq = ? ORDER BY chunk_index`)
      .all(row.seq) as ChunkRow[];
    return {
      ...toSummary(row),
      content: row.content,
      chunks: chunks.map((c) => ({
        index: c.chunk_index,
        start: c.start_offset,
        end: c.end_offset,
        heading_path: JSON.parse(c.heading_path) as string[],
      })),
    };
  }

  /** Newest first. */
  list(filter: DocumentFilter, page: PageRequest): Page<DocumentSummaryRecord> {
    const { rows, total } = newestFirst<DocumentRow>(this.db, {
      table: 'documents',
      columns: SUMMARY_COLUMNS,
      conditions: [
        ['project_id = ?', filter.project_id],
        ['document_type = ?', filter.document_type],
      ],
      page,
    });
    return keysetPage(rows, page.limit, total, (pageRows) => pageRows.map(toSummary));
  }

  /** ON DELETE CASCADE removes the chunks, and their trigger removes them from search_index. */
  delete(id: string): boolean {
    return this.db.stmt('DELETE FROM documents WHERE id = ?').run(id).changes > 0;
  }
}

function toSummary(row: DocumentRow): DocumentSummaryRecord {
  return {
    id: row.id,
    title: row.title,
    document_type: row.document_type,
    source_path: row.source_path,
    tags: JSON.parse(row.tags) as string[],
    project_id: row.project_id,
    content_hash: row.content_hash,
    chunk_count: row.chunk_count,
    size_bytes: row.size_bytes,
    created_at: row.created_at,
  };
}
