import { z } from 'zod';
import { ExpectedVersion, Id, PageParams, pageOf, Tags, Timestamp, Title } from './common.js';

export const MAX_NOTE_CONTENT = 100_000;
const NoteContent = z.string().max(MAX_NOTE_CONTENT, `must be at most ${MAX_NOTE_CONTENT} characters`);

export const Note = z.strictObject({
  id: Id,
  title: z.string(),
  content: z.string(),
  tags: z.array(z.string()),
  project_id: Id.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  version: z.number().int(),
  /** Who made the last change (the actor of its change-log row). */
  updated_by: z.string(),
});
export type Note = z.infer<typeof Note>;

export const CreateNoteInput = z.strictObject({
  title: Title,
  content: NoteContent.optional(),
  tags: Tags.optional(),
  project_id: Id.nullable().optional(),
});

export const NoteIdParams = z.strictObject({ note_id: Id });

export const UpdateNoteInput = z.strictObject({
  note_id: Id,
  title: Title.optional(),
  content: NoteContent.optional(),
  tags: Tags.optional(),
  project_id: Id.nullable().optional(),
  expected_version: ExpectedVersion.optional(),
});

export const ListNotesInput = z.strictObject({
  project_id: Id.optional(),
  tag: z.string().max(100).optional(),
  ...PageParams,
});
export const NotePage = pageOf(Note);
