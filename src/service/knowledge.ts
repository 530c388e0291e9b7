import { createHash, randomUUID } from 'node:crypto';
import {
  BinderyError,
  decodeCursor,
  ENTITY_TYPES,
  encodeCursor,
  isBinderyError,
  MAX_DOCUMENT_BYTES,
  type Note,
} from '../contract/index.js';
import { currentActor, reachableProjects } from '../store/actor.js';
import type { DocumentSummaryRecord, NoteChanges } from '../store/types.js';
import { chunkDocument } from './chunking/chunk-document.js';
import { type Handlers, pageRequest, type ServiceContext } from './context.js';

type KnowledgeOps =
  | 'create_note'
  | 'get_note'
  | 'list_notes'
  | 'update_note'
  | 'delete_note'
  | 'index_document'
  | 'get_document'
  | 'list_documents'
  | 'delete_document'
  | 'search';

const DEFAULT_SEARCH_LIMIT = 10;

export function knowledgeHandlers({ store, now }: ServiceContext): Handlers<KnowledgeOps> {
  /** A project_id must name an existing project: a validation error naming the field otherwise. */
  async function checkProject(projectId: string | null | undefined): Promise<void> {
    if (!projectId) return;
    const found = await store.existing('project', [projectId]);
    if (!found.has(projectId)) {
      throw BinderyError.validation([{ field: 'project_id', reason: `no project with id ${projectId}` }]);
    }
  }

  const deduplicated = (existing: DocumentSummaryRecord) => ({
    success: true as const,
    document_id: existing.id,
    chunks_created: existing.chunk_count,
    deduplicated: true,
  });

  return {
    async create_note(input) {
      await checkProject(input.project_id);
      const at = now().toISOString();
      const note: Note = {
        id: randomUUID(),
        title: input.title,
        content: input.content ?? '',
        tags: input.tags ?? [],
        project_id: input.project_id ?? null,
        created_at: at,
        updated_at: at,
        updated_by: currentActor(),
        version: 1,
      };
      return store.insertNote(note);
    },

    async get_note({ note_id }) {
      const note = await store.getNote(note_id);
      if (!note) throw BinderyError.notFound('note', note_id);
      return note;
    },

    list_notes: (input) =>
      store.listNotes(
        { project_id: input.project_id, project_ids: reachableProjects(), tag: input.tag },
        pageRequest(input),
      ),

    async update_note({ note_id, expected_version, ...changes }) {
      if (Object.keys(changes).length === 0) {
        throw BinderyError.validation([
          { field: '', reason: 'no fields to change; send at least one note field' },
        ]);
      }
      await checkProject(changes.project_id);
      const update: NoteChanges = { ...changes, updated_at: now().toISOString(), updated_by: currentActor() };
      return store.updateNote(note_id, update, { expectedVersion: expected_version });
    },

    async delete_note({ note_id }) {
      if (!(await store.deleteNote(note_id))) throw BinderyError.notFound('note', note_id);
      return { success: true as const, deleted_count: 1 };
    },

    async index_document(input) {
      const size = Buffer.byteLength(input.content, 'utf8');
      if (size > MAX_DOCUMENT_BYTES) {
        throw new BinderyError(
          'payload_too_large',
          `The document is ${size} bytes of UTF-8; at most ${MAX_DOCUMENT_BYTES} (5 MB) can be indexed.`,
          { details: [{ field: 'content', reason: `is ${size} bytes, more than ${MAX_DOCUMENT_BYTES}` }] },
        );
      }
      await checkProject(input.project_id);
      const hash = createHash('sha256').update(input.content).digest('hex');
      const existing = await store.findDocumentByHash(hash);
      if (existing) return deduplicated(existing);

      const type = input.document_type ?? 'text';
      const chunks = chunkDocument(input.content, type);
      const id = randomUUID();
      try {
        await store.insertDocument(
          {
            id,
            title: input.title,
            content: input.content,
            document_type: type,
            source_path: input.source_path ?? null,
            tags: input.tags ?? [],
            project_id: input.project_id ?? null,
            content_hash: hash,
            chunk_count: chunks.length,
            size_bytes: size,
            created_at: now().toISOString(),
          },
          chunks,
        );
      } catch (error) {
        // The same content indexed by a concurrent call between our lookup and our insert.
        const twin =
          isBinderyError(error) && error.code === 'conflict' ? await store.findDocumentByHash(hash) : null;
        if (twin) return deduplicated(twin);
        throw error;
      }
      return { success: true as const, document_id: id, chunks_created: chunks.length, deduplicated: false };
    },

    async get_document({ document_id }) {
      const document = await store.getDocument(document_id);
      if (!document) throw BinderyError.notFound('document', document_id);
      return document;
    },

    list_documents: (input) =>
      store.listDocuments(
        {
          project_id: input.project_id,
          project_ids: reachableProjects(),
          document_type: input.document_type,
        },
        pageRequest(input),
      ),

    async delete_document({ document_id }) {
      if (!(await store.deleteDocument(document_id))) throw BinderyError.notFound('document', document_id);
      return { success: true as const, deleted_count: 1 };
    },

    async search(input) {
      const limit = input.limit ?? DEFAULT_SEARCH_LIMIT;
      const offset = decodeCursor(input.cursor) ?? 0;
      const types = input.entity_types?.length ? [...new Set(input.entity_types)] : ENTITY_TYPES;
      const page = await store.search({
        text: input.query,
        types,
        project_id: input.project_id,
        project_ids: reachableProjects(),
        limit,
        offset,
      });
      const next = offset + limit;
      return {
        query: input.query,
        total_results: page.total,
        results: page.results,
        next_cursor: next < page.total ? encodeCursor(next) : null,
      };
    },
  };
}
