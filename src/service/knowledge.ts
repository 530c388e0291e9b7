import { BinderyError } from '../contract/index.js';
import type { Handlers, ServiceContext } from './context.js';

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

// Placeholder until the knowledge issue lands.
export function knowledgeHandlers(_ctx: ServiceContext): Handlers<KnowledgeOps> {
  const todo = async (): Promise<never> => {
    throw new BinderyError('internal_error', 'not implemented yet');
  };
  return {
    create_note: todo,
    get_note: todo,
    list_notes: todo,
    update_note: todo,
    delete_note: todo,
    index_document: todo,
    get_document: todo,
    list_documents: todo,
    delete_document: todo,
    search: todo,
  };
}
