import { BinderyError, type Note } from '../../contract/index.js';
import { keysetPage } from '../cursor.js';
import { checkVersion } from '../guards.js';
import type { NoteChanges, Page, PageRequest, WriteGuard } from '../types.js';
import { newestFirst, type SqliteDatabase } from './database.js';

interface NoteRow extends Omit<Note, 'tags'> {
  seq: number;
  tags: string;
}

export interface NoteFilter {
  project_id?: string | undefined;
  tag?: string | undefined;
}

/** Note reads and writes; tag index and search index follow by trigger (migration 2). */
export class SqliteNotes {
  constructor(private readonly db: SqliteDatabase) {}

  insert(note: Note): Note {
    this.db
      .stmt(`INSERT INTO notes (id, title, content, tags, project_id, created_at, updated_at, version, updated_by)
             VALUES (@id, @title, @content, @tags, @project_id, @created_at, @updated_at, @version, @updated_by)`)
      .run({ ...note, tags: JSON.stringify(note.tags) });
    return this.get(note.id)!;
  }

  get(id: string): Note | null {
    const row = this.db.stmt('SELECT * FROM notes WHERE id = ?').get(id) as NoteRow | undefined;
    return row ? toNote(row) : null;
  }

  /** Newest first. */
  list(filter: NoteFilter, page: PageRequest): Page<Note> {
    const { rows, total } = newestFirst<NoteRow>(this.db, {
      table: 'notes',
      columns: '*',
      conditions: [
        ['project_id = ?', filter.project_id],
        ['seq IN (SELECT note_seq FROM note_tags WHERE tag = ?)', filter.tag],
      ],
      page,
    });
    return keysetPage(rows, page.limit, total, (pageRows) => pageRows.map(toNote));
  }

  update(id: string, changes: NoteChanges, guard: WriteGuard = {}): Note {
    const current = this.db.stmt('SELECT version FROM notes WHERE id = ?').pluck().get(id) as
      | number
      | undefined;
    if (current === undefined) throw BinderyError.notFound('note', id);
    checkVersion('note', id, current, guard);
    const columns: Record<string, unknown> = { ...changes };
    if (changes.tags) columns.tags = JSON.stringify(changes.tags);
    const assignments = [
      ...Object.keys(columns).map((name) => `${name} = @${name}`),
      'version = version + 1',
    ];
    this.db.stmt(`UPDATE notes SET ${assignments.join(', ')} WHERE id = @id`).run({ ...columns, id });
    return this.get(id)!;
  }

  delete(id: string): boolean {
    return this.db.stmt('DELETE FROM notes WHERE id = ?').run(id).changes > 0;
  }
}

function toNote(row: NoteRow): Note {
  return {
    id: row.id,
    title: row.title,
    content: row.content,
    tags: JSON.parse(row.tags) as string[],
    project_id: row.project_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    version: row.version,
    updated_by: row.updated_by,
  };
}
