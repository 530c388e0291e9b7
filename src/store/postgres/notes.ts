import { BinderyError, type Note } from '../../contract/index.js';
import { keysetPage } from '../cursor.js';
import { checkVersion } from '../guards.js';
import type { NoteChanges, Page, PageRequest, WriteGuard } from '../types.js';
import { newestFirst, type PgSession } from './database.js';

type NoteRow = Note & { seq: number };

const COLUMNS = 'seq, id, title, content, tags, project_id, created_at, updated_at, version, updated_by';

export interface NoteFilter {
  project_id?: string | undefined;
  tag?: string | undefined;
}

/** Note reads and writes; the search vector is a generated column (migration 2). */
export const pgNotes = {
  async insert(s: PgSession, note: Note): Promise<Note> {
    await s.run(
      `INSERT INTO notes (id, title, content, tags, project_id, created_at, updated_at, version, updated_by)
       VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8, $9)`,
      [
        note.id,
        note.title,
        note.content,
        note.tags,
        note.project_id,
        note.created_at,
        note.updated_at,
        note.version,
        note.updated_by,
      ],
    );
    return (await pgNotes.get(s, note.id))!;
  },

  async get(s: PgSession, id: string): Promise<Note | null> {
    const row = await s.row<NoteRow>(`SELECT ${COLUMNS} FROM notes WHERE id = $1`, [id]);
    return row ? toNote(row) : null;
  },

  /** Newest first. */
  async list(s: PgSession, filter: NoteFilter, page: PageRequest): Promise<Page<Note>> {
    const { rows, total } = await newestFirst<NoteRow>(s, {
      table: 'notes',
      columns: COLUMNS,
      conditions: [
        [(p) => `project_id = ${p}`, filter.project_id],
        [(p) => `tags @> ARRAY[${p}::text]`, filter.tag],
      ],
      page,
    });
    return keysetPage(rows, page.limit, total, (pageRows) => pageRows.map(toNote));
  },

  async update(s: PgSession, id: string, changes: NoteChanges, guard: WriteGuard = {}): Promise<Note> {
    const version = await s.value<number>('SELECT version FROM notes WHERE id = $1 FOR NO KEY UPDATE', [id]);
    if (version === undefined) throw BinderyError.notFound('note', id);
    checkVersion('note', id, version, guard);
    const params: unknown[] = [id];
    const assignments = ['version = version + 1'];
    const set = (column: string, value: unknown, cast = '') => {
      params.push(value);
      assignments.push(`${column} = $${params.length}${cast}`);
    };
    if (changes.title !== undefined) set('title', changes.title);
    if (changes.content !== undefined) set('content', changes.content);
    if (changes.tags !== undefined) set('tags', changes.tags, '::text[]');
    if (changes.project_id !== undefined) set('project_id', changes.project_id);
    if (changes.updated_at !== undefined) set('updated_at', changes.updated_at, '::timestamptz');
    if (changes.updated_by !== undefined) set('updated_by', changes.updated_by);
    await s.run(`UPDATE notes SET ${assignments.join(', ')} WHERE id = $1`, params);
    return (await pgNotes.get(s, id))!;
  },

  async delete(s: PgSession, id: string): Promise<boolean> {
    return (await s.run('DELETE FROM notes WHERE id = $1', [id])) > 0;
  },
};

function toNote(row: NoteRow): Note {
  return {
    id: row.id,
    title: row.title,
    content: row.content,
    tags: row.tags,
    project_id: row.project_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    version: row.version,
    updated_by: row.updated_by,
  };
}
