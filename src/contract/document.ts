import { z } from 'zod';
import { Id, PageParams, pageOf, Tags, Timestamp, Title } from './common.js';

export const DOCUMENT_TYPES = ['text', 'code', 'markdown', 'documentation', 'configuration', 'data'] as const;
/** 5 MB of UTF-8, checked by the service in bytes (413 payload_too_large, not a 400). */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

export const DocumentType = z.enum(DOCUMENT_TYPES, {
  error: `must be one of ${DOCUMENT_TYPES.join(', ')}`,
});

export const ChunkInfo = z.strictObject({
  index: z.number().int(),
  start: z.number().int().describe('Offset of the first character in the content.'),
  end: z.number().int().describe('Offset after the last character.'),
  heading_path: z
    .array(z.string())
    .describe('Headings (markdown) or definition (code) the chunk sits under.'),
});

const documentFields = {
  id: Id,
  title: z.string(),
  document_type: DocumentType,
  source_path: z.string().nullable(),
  tags: z.array(z.string()),
  project_id: Id.nullable(),
  content_hash: z.string().regex(/^[0-9a-f]{64}$/),
  chunk_count: z.number().int(),
  size_bytes: z.number().int(),
  created_at: Timestamp,
};

export const DocumentSummary = z.strictObject(documentFields);
export const Document = z.strictObject({
  ...documentFields,
  content: z.string(),
  chunks: z.array(ChunkInfo),
});
export type Document = z.infer<typeof Document>;

export const IndexDocumentInput = z.strictObject({
  title: Title,
  content: z
    .string()
    .min(1, 'must not be empty')
    .describe('At most 5 MB of UTF-8; more is refused with payload_too_large.'),
  document_type: DocumentType.optional().describe('How to chunk the content; default text.'),
  source_path: z.string().max(1000).nullable().optional(),
  tags: Tags.optional(),
  project_id: Id.nullable().optional(),
});

export const IndexDocumentResult = z.strictObject({
  success: z.literal(true),
  document_id: Id,
  chunks_created: z.number().int(),
  deduplicated: z.boolean(),
});

export const DocumentIdParams = z.strictObject({ document_id: Id });
export const ListDocumentsInput = z.strictObject({
  project_id: Id.optional(),
  document_type: DocumentType.optional(),
  ...PageParams,
});
export const DocumentPage = pageOf(DocumentSummary);
