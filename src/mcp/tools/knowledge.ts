import {
  CreateNoteInput,
  DeleteResult,
  Document,
  DocumentPage,
  Id,
  IndexDocumentInput,
  IndexDocumentResult,
  ListDocumentsInput,
  ListNotesInput,
  MAX_DOCUMENT_BYTES,
  MAX_NOTE_CONTENT,
  Note,
  NotePage,
  SearchInput,
  SearchResults,
  UpdateNoteInput,
} from '../../contract/index.js';
import { MAX_DOCUMENT_JSON_TEXT_CHARS } from '../../contract/input-safety.js';
import { CREATE, defineTool, OVERWRITE, READ, REMOVE } from './define.js';

const noteLimits = { content: MAX_NOTE_CONTENT };

export const knowledgeTools = [
  defineTool({
    name: 'create_note',
    description: 'Save a note (title, markdown content up to 100,000 characters, tags, optional project).',
    params: { note_input: CreateNoteInput },
    jsonParams: { note_input: 'The note' },
    stringLimits: noteLimits,
    output: Note,
    annotations: CREATE,
    run: ({ note_input }, { api }) => api.create_note(note_input),
  }),
  defineTool({
    name: 'get_note',
    description: 'Read one note with its full content.',
    params: { note_id: Id },
    output: Note,
    annotations: READ,
    run: (args, { api }) => api.get_note(args),
  }),
  defineTool({
    name: 'list_notes',
    description: 'List notes, filtered by project or tag.',
    params: ListNotesInput.shape,
    output: NotePage,
    annotations: READ,
    run: (args, { api }) => api.list_notes(args),
  }),
  defineTool({
    name: 'update_note',
    description: 'Change the given fields of a note; with expected_version, never over a newer change.',
    params: {
      note_id: Id,
      note_update: UpdateNoteInput.omit({ note_id: true }),
    },
    jsonParams: { note_update: 'The fields to change' },
    stringLimits: noteLimits,
    output: Note,
    annotations: OVERWRITE,
    run: ({ note_id, note_update }, { api }) => api.update_note({ ...note_update, note_id }),
  }),
  defineTool({
    name: 'delete_note',
    description: 'Delete a note. This cannot be undone.',
    params: { note_id: Id },
    output: DeleteResult,
    annotations: REMOVE,
    run: (args, { api }) => api.delete_note(args),
  }),
  defineTool({
    name: 'index_document',
    description:
      'Index a document (≤ 5 MB) for search, chunked at headings or code definitions. Same content: same document.',
    params: { document_input: IndexDocumentInput },
    jsonParams: { document_input: 'The document' },
    jsonTextLimit: MAX_DOCUMENT_JSON_TEXT_CHARS,
    stringLimits: { content: MAX_DOCUMENT_BYTES },
    output: IndexDocumentResult,
    annotations: { ...CREATE, idempotentHint: true },
    run: ({ document_input }, { api }) => api.index_document(document_input),
  }),
  defineTool({
    name: 'get_document',
    description: 'Read one indexed document with its content and chunk boundaries.',
    params: { document_id: Id },
    output: Document,
    annotations: READ,
    run: (args, { api }) => api.get_document(args),
  }),
  defineTool({
    name: 'list_documents',
    description: 'List indexed documents (without content), filtered by project or type.',
    params: ListDocumentsInput.shape,
    output: DocumentPage,
    annotations: READ,
    run: (args, { api }) => api.list_documents(args),
  }),
  defineTool({
    name: 'delete_document',
    description: 'Delete an indexed document and its chunks. This cannot be undone.',
    params: { document_id: Id },
    output: DeleteResult,
    annotations: REMOVE,
    run: (args, { api }) => api.delete_document(args),
  }),
  defineTool({
    name: 'search_entities',
    description:
      'Search tasks, projects, notes and documents, best first. Ask with the few words the answer would ' +
      'contain, not a sentence: all-word matches (match: all) come first.',
    params: { search_input: SearchInput },
    jsonParams: { search_input: 'The search' },
    output: SearchResults,
    annotations: READ,
    run: ({ search_input }, { api }) => api.search(search_input),
  }),
];
