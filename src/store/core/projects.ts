import { decodeCursor, type Project } from '../../contract/index.js';
import { keysetPage } from '../cursor.js';
import type { NewProject, Page, PageRequest, ProjectChanges, WriteGuard } from '../types.js';
import type { Dialect, Executor } from './dialect.js';
import { duplicateProjectName, lockVersion } from './guards.js';
import { type ProjectRow, RowMapper } from './rows.js';
import { OPEN_STATUS_SQL } from './sql.js';
import { assignments } from './update.js';

const PROJECT_COLUMNS = `p.seq, p.id, p.name, p.description, p.tags,
  (SELECT count(*) FROM tasks t WHERE t.project_id = p.id) AS task_count,
  (SELECT count(*) FROM tasks t WHERE t.project_id = p.id AND t.status IN ${OPEN_STATUS_SQL}) AS open_task_count,
  p.created_at, p.updated_at, p.version`;

/** Project reads and writes; names are unique. */
export class ProjectCore {
  private readonly map: RowMapper;

  constructor(private readonly dialect: Dialect) {
    this.map = new RowMapper(dialect);
  }

  async insert(x: Executor, project: NewProject): Promise<Project> {
    await this.refuseDuplicateName(x, project.name, project.id);
    // A racing insert of the same name on another server fails on the unique name: also a conflict.
    await x.run(
      `INSERT INTO projects (id, name, description, tags, created_at, updated_at, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        project.id,
        project.name,
        project.description,
        this.dialect.encodeList(project.tags),
        project.created_at,
        project.updated_at,
        project.version,
      ],
    );
    return (await this.get(x, project.id))!;
  }

  async get(x: Executor, id: string): Promise<Project | null> {
    const row = await x.row<ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.id = $1`, [id]);
    return row ? this.map.project(row) : null;
  }

  /** Oldest first. */
  async list(x: Executor, page: PageRequest): Promise<Page<Project>> {
    const total = (await x.value<number>('SELECT count(*) FROM projects')) ?? 0;
    const rows = await x.rows<ProjectRow>(
      `SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.seq > $1 ORDER BY p.seq LIMIT $2`,
      [decodeCursor(page.cursor) ?? 0, page.limit + 1],
    );
    return keysetPage(rows, page.limit, total, (pageRows) => pageRows.map((row) => this.map.project(row)));
  }

  async update(x: Executor, id: string, changes: ProjectChanges, guard: WriteGuard = {}): Promise<Project> {
    await lockVersion(x, this.dialect, 'project', id, guard);
    if (changes.name !== undefined) await this.refuseDuplicateName(x, changes.name, id);
    const { sql, params } = assignments(this.dialect, id, changes, [
      'name',
      'description',
      'tags',
      'updated_at',
    ]);
    await x.run(`UPDATE projects SET ${sql} WHERE id = $1`, params);
    return (await this.get(x, id))!;
  }

  async delete(x: Executor, id: string): Promise<{ detached_tasks: number } | null> {
    const locked = await x.value(`SELECT 1 FROM projects WHERE id = $1${this.dialect.forUpdate}`, [id]);
    if (locked === undefined) return null;
    const detached = (await x.value<number>('SELECT count(*) FROM tasks WHERE project_id = $1', [id])) ?? 0;
    // ON DELETE SET NULL detaches the project's tasks (and notes, documents) instead of deleting work.
    await x.run('DELETE FROM projects WHERE id = $1', [id]);
    return { detached_tasks: detached };
  }

  private async refuseDuplicateName(x: Executor, name: string, id: string): Promise<void> {
    const other = await x.value<string>('SELECT id FROM projects WHERE name = $1 AND id <> $2', [name, id]);
    if (other) throw duplicateProjectName(name, other);
  }
}
