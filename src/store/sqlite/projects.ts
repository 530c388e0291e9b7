import { BinderyError, decodeCursor, type Project } from '../../contract/index.js';
import { keysetPage } from '../cursor.js';
import { checkVersion, duplicateProjectName } from '../guards.js';
import type { NewProject, Page, PageRequest, ProjectChanges, WriteGuard } from '../types.js';
import type { SqliteDatabase } from './database.js';
import { OPEN_STATUS_SQL } from './tasks.js';

interface ProjectRow extends Omit<Project, 'tags'> {
  seq: number;
  tags: string;
}

const PROJECT_COLUMNS = `p.*,
  (SELECT count(*) FROM tasks t WHERE t.project_id = p.id) AS task_count,
  (SELECT count(*) FROM tasks t WHERE t.project_id = p.id AND t.status IN ${OPEN_STATUS_SQL}) AS open_task_count`;

export class SqliteProjects {
  constructor(private readonly db: SqliteDatabase) {}

  insert(project: NewProject): Project {
    this.refuseDuplicateName(project.name, project.id);
    this.db
      .stmt(`INSERT INTO projects (id, name, description, tags, created_at, updated_at, version)
             VALUES (@id, @name, @description, @tags, @created_at, @updated_at, @version)`)
      .run({ ...project, tags: JSON.stringify(project.tags) });
    return this.get(project.id)!;
  }

  get(id: string): Project | null {
    const row = this.db.stmt(`SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.id = ?`).get(id) as
      | ProjectRow
      | undefined;
    return row ? toProject(row) : null;
  }

  list(page: PageRequest): Page<Project> {
    const total = this.db.stmt('SELECT count(*) FROM projects').pluck().get() as number;
    const after = decodeCursor(page.cursor) ?? 0;
    const rows = this.db
      .stmt(`SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.seq > ? ORDER BY p.seq LIMIT ?`)
      .all(after, page.limit + 1) as ProjectRow[];
    return keysetPage(rows, page.limit, total, (pageRows) => pageRows.map(toProject));
  }

  update(id: string, changes: ProjectChanges, guard: WriteGuard = {}): Project {
    const current = this.db.stmt('SELECT version FROM projects WHERE id = ?').pluck().get(id) as
      | number
      | undefined;
    if (current === undefined) throw BinderyError.notFound('project', id);
    checkVersion('project', id, current, guard);
    if (changes.name !== undefined) this.refuseDuplicateName(changes.name, id);
    const columns: Record<string, unknown> = { ...changes };
    if (changes.tags) columns.tags = JSON.stringify(changes.tags);
    const assignments = [
      ...Object.keys(columns).map((name) => `${name} = @${name}`),
      'version = version + 1',
    ];
    this.db.stmt(`UPDATE projects SET ${assignments.join(', ')} WHERE id = @id`).run({ ...columns, id });
    return this.get(id)!;
  }

  delete(id: string): { detached_tasks: number } | null {
    const exists = this.db.stmt('SELECT 1 FROM projects WHERE id = ?').get(id);
    if (!exists) return null;
    const detached = this.db
      .stmt('SELECT count(*) FROM tasks WHERE project_id = ?')
      .pluck()
      .get(id) as number;
    // ON DELETE SET NULL detaches the project's tasks (and notes, documents) instead of deleting work.
    this.db.stmt('DELETE FROM projects WHERE id = ?').run(id);
    return { detached_tasks: detached };
  }

  private refuseDuplicateName(name: string, id: string): void {
    const other = this.db.stmt('SELECT id FROM projects WHERE name = ? AND id <> ?').pluck().get(name, id);
    if (other) throw duplicateProjectName(name, other as string);
  }
}

function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    tags: JSON.parse(row.tags) as string[],
    task_count: row.task_count,
    open_task_count: row.open_task_count,
    created_at: row.created_at,
    updated_at: row.updated_at,
    version: row.version,
  };
}
