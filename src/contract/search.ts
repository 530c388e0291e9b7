import { z } from 'zod';
import { Id } from './common.js';

export const ENTITY_TYPES = ['task', 'project', 'note', 'document'] as const;
export const MAX_SEARCH_LIMIT = 100;

export const SearchInput = z.strictObject({
  query: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'),
  entity_types: z.array(z.enum(ENTITY_TYPES)).max(4).optional().describe('Only these kinds; default all.'),
  project_id: Id.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_SEARCH_LIMIT).optional().describe('Default 10.'),
  cursor: z.string().max(200).optional(),
});

export const SearchResult = z.strictObject({
  id: Id,
  type: z.enum(ENTITY_TYPES),
  title: z.string(),
  snippet: z.string(),
  relevance_score: z.number().min(0).max(1),
  tags: z.array(z.string()),
  project_id: Id.nullable(),
  match: z.enum(['all', 'partial']).describe('all: every query word matched; partial: some did.'),
  matched: z.array(z.string()).describe('The query words found in this result.'),
  chunk_index: z.number().int().min(0).optional().describe('Document hits: which chunk matched.'),
  heading_path: z.array(z.string()).optional().describe('Document hits: the headings above the chunk.'),
  symbol: z.string().optional().describe('Code document hits: the definitions in the chunk.'),
});
export type SearchResult = z.infer<typeof SearchResult>;

export const SearchResults = z.strictObject({
  query: z.string(),
  total_results: z.number().int(),
  results: z.array(SearchResult),
  next_cursor: z.string().nullable(),
});
