import type { Note } from '../../contract/index.js';
import { keysetPage } from '../cursor.js';
import type { NoteChanges, NoteFilter, Page, PageRequest, WriteGuard } from '../types.js';
import type { Dialect, Executor } from './dialect.js';
import { lockVersion } from './guards.js';
import { type NoteRow, RowMapper } from './rows.js';
import { newestFirst } from './sql.js';
import { assignments } from './update.js';

const COLUMNS = 'seq, id, title, content, tags, project_id, created_at, updated_at, version, updated_by';

/** Note reads and writes; tag and search indexes follow by trigger or generated column. */
export class NoteCore {
  private readonly map: RowMapper;

  constructor(private readonly dialect: Dialect) {
    this.map = new RowMapper(dialect);
  }

  async insert(x: Executor, note: Note): Promise<Note> {
    await x.run(
      `INSERT INTO notes (id, title, content, tags, project_id, created_at, updated_at, version, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        note.id,
        note.title,
        note.content,
        this.dialect.encodeList(note.tags),
        note.project_id,
        note.created_at,
        note.updated_at,
        note.version,
        note.updated_by,
      ],
    );
    return (await this.get(x, note.id))!;
  }

  async get(x: Executor, id: string): Promise<Note | null> {
    const row = await x.row<NoteRow>(`SELECT ${COLUMNS} FROM notes WHERE id = $1`, [id]);
    return row ? this.map.note(row) : null;
  }

  /** Newest first. */
  async list(x: Executor, filter: NoteFilter, page: PageRequest): Promise<Page<Note>> {
    const { rows, total } = await newestFirst<NoteRow>(x, {
      table: 'notes',
      columns: COLUMNS,
      conditions: [
        [(p) => `project_id = ${p}`, filter.project_id],
        [
          (p) => `project_id ${this.dialect.idIn(p)}`,
          filter.project_ids && this.dialect.encodeIds(filter.project_ids),
        ],
        [(p) => this.dialect.hasTag('notes', 'notes', p), filter.tag],
      ],
      page,
    });
    return keysetPage(rows, page.limit, total, (pageRows) => pageRows.map((row) => this.map.note(row)));
  }

  async update(x: Executor, id: string, changes: NoteChanges, guard: WriteGuard = {}): Promise<Note> {
    await lockVersion(x, this.dialect, 'note', id, guard);
    const { sql, params } = assignments(this.dialect, id, changes, [
      'title',
      'content',
      'tags',
      'project_id',
      'updated_at',
      'updated_by',
    ]);
    await x.run(`UPDATE notes SET ${sql} WHERE id = $1`, params);
    return (await this.get(x, id))!;
  }

  async delete(x: Executor, id: string): Promise<boolean> {
    return (await x.run('DELETE FROM notes WHERE id = $1', [id])) > 0;
  }
}
