import { BinderyError, type Document } from '../../contract/index.js';
import { keysetPage } from '../cursor.js';
import type { DocumentFilter, DocumentSummaryRecord, NewChunk, Page, PageRequest } from '../types.js';
import type { Dialect, Executor } from './dialect.js';
import { type DocumentRow, RowMapper } from './rows.js';
import { newestFirst } from './sql.js';

const SUMMARY_COLUMNS = `seq, id, title, document_type, source_path, tags, project_id, content_hash, chunk_count,
  size_bytes, created_at`;

/** Documents and their chunk boundaries; the dialect writes the chunks and their search entries. */
export class DocumentCore {
  private readonly map: RowMapper;

  constructor(private readonly dialect: Dialect) {
    this.map = new RowMapper(dialect);
  }

  async findByHash(x: Executor, contentHash: string): Promise<DocumentSummaryRecord | null> {
    const row = await x.row<DocumentRow>(`SELECT ${SUMMARY_COLUMNS} FROM documents WHERE content_hash = $1`, [
      contentHash,
    ]);
    return row ? this.map.document(row) : null;
  }

  /** The document, its chunks and their index entries: one transaction, so a 5 MB document is all or nothing. */
  async insert(x: Executor, document: Omit<Document, 'chunks'>, chunks: readonly NewChunk[]): Promise<void> {
    const twin = await this.findByHash(x, document.content_hash);
    if (twin) {
      throw BinderyError.conflict(`Document ${twin.id} with the same content was indexed meanwhile.`, {
        document_id: twin.id,
      });
    }
    // A twin inserted by another server after the check fails on the unique content hash: a conflict too.
    const seq = await x.value<number>(
      `INSERT INTO documents (id, title, document_type, source_path, tags, project_id, content_hash,
         chunk_count, size_bytes, created_at, content)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq`,
      [
        document.id,
        document.title,
        document.document_type,
        document.source_path,
        this.dialect.encodeList(document.tags),
        document.project_id,
        document.content_hash,
        document.chunk_count,
        document.size_bytes,
        document.created_at,
        document.content,
      ],
    );
    await this.dialect.insertChunks(x, { ...document, seq: seq! }, chunks);
  }

  async get(x: Executor, id: string): Promise<Document | null> {
    const row = await x.row<DocumentRow & { content: string }>(
      `SELECT ${SUMMARY_COLUMNS}, content FROM documents WHERE id = $1`,
      [id],
    );
    if (!row) return null;
    const chunks = await x.rows<{ index: number; start: number; end: number; heading_path: unknown }>(
      this.dialect.documentChunks,
      [id],
    );
    return {
      ...this.map.document(row),
      content: row.content,
      chunks: chunks.map((c) => ({
        index: c.index,
        start: c.start,
        end: c.end,
        heading_path: this.dialect.decodeList(c.heading_path),
      })),
    };
  }

  /** Newest first. */
  async list(x: Executor, filter: DocumentFilter, page: PageRequest): Promise<Page<DocumentSummaryRecord>> {
    const { rows, total } = await newestFirst<DocumentRow>(x, {
      table: 'documents',
      columns: SUMMARY_COLUMNS,
      conditions: [
        [(p) => `project_id = ${p}`, filter.project_id],
        [
          (p) => `project_id ${this.dialect.idIn(p)}`,
          filter.project_ids && this.dialect.encodeIds(filter.project_ids),
        ],
        [(p) => `document_type = ${p}`, filter.document_type],
      ],
      page,
    });
    return keysetPage(rows, page.limit, total, (pageRows) => pageRows.map((row) => this.map.document(row)));
  }

  /** ON DELETE CASCADE removes the chunks, and with them their search entries. */
  async delete(x: Executor, id: string): Promise<boolean> {
    return (await x.run('DELETE FROM documents WHERE id = $1', [id])) > 0;
  }
}
