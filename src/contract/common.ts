import { z } from 'zod';

/** Every id is a UUID (we create v4); ids are compared lower-case. */
export const Id = z.uuid({ error: 'must be a UUID' });
/** RFC 3339 UTC with milliseconds, as produced by Date#toISOString. */
export const Timestamp = z.iso.datetime({ precision: 3, error: 'must be an RFC 3339 UTC timestamp' });
/** Accepted timestamp input: any RFC 3339 date-time (with offset); stored normalised to UTC. */
export const TimestampInput = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 date-time' });

export const MAX_TEXT = 10_000;
export const MAX_TITLE = 500;

export const Title = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_TITLE, `must be at most ${MAX_TITLE} characters`);
export const Description = z.string().max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`);
export const Tag = z.string().min(1, 'tags must not be empty').max(100, 'tags are at most 100 characters');
export const Tags = z.array(Tag).max(50, 'at most 50 tags');
/** Free-form key/value metadata (JSON values). */
export const Labels = z.record(z.string().max(100), z.json()).refine((o) => Object.keys(o).length <= 100, {
  message: 'at most 100 labels',
});

export const ExpectedVersion = z
  .number()
  .int()
  .min(1)
  .describe('The version you read; refused if it changed.');

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Paging parameters shared by every list operation. `limit` accepts a numeric string (query strings). */
export const PageParams = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .describe(`Page size, default ${DEFAULT_PAGE_SIZE}.`),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous page.'),
};

/** `{items, total, next_cursor}`, the answer of every list operation. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.strictObject({
    items: z.array(item),
    total: z.number().int().min(0),
    next_cursor: z.string().nullable(),
  });
}

export const DeleteResult = z.strictObject({
  success: z.literal(true),
  deleted_count: z.number().int().min(0),
});
