import { BinderyError, decodeCursor, type Project } from '../../contract/index.js';
import { keysetPage } from '../cursor.js';
import { checkVersion, duplicateProjectName } from '../guards.js';
import type { NewProject, Page, PageRequest, ProjectChanges, WriteGuard } from '../types.js';
import type { PgSession } from './database.js';
import { OPEN_STATUS_SQL } from './migrations.js';

type ProjectRow = Project & { seq: number };

const PROJECT_COLUMNS = `p.seq, p.id, p.name, p.description, p.tags, p.created_at, p.updated_at, p.version,
  (SELECT count(*) FROM tasks t WHERE t.project_id = p.id)::int AS task_count,
  (SELECT count(*) FROM tasks t WHERE t.project_id = p.id AND t.status IN ${OPEN_STATUS_SQL})::int
    AS open_task_count`;

export const pgProjects = {
  async insert(s: PgSession, project: NewProject): Promise<Project> {
    await refuseDuplicateName(s, project.name, project.id);
    // A racing insert of the same name on another server fails on projects_name_key: also a conflict.
    await s.rows(
      `INSERT INTO projects (id, name, description, tags, created_at, updated_at, version)
       VALUES ($1, $2, $3, $4::text[], $5, $6, $7)`,
      [
        project.id,
        project.name,
        project.description,
        project.tags,
        project.created_at,
        project.updated_at,
        project.version,
      ],
    );
    return (await pgProjects.get(s, project.id))!;
  },

  async get(s: PgSession, id: string): Promise<Project | null> {
    const row = await s.row<ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.id = $1`, [id]);
    return row ? toProject(row) : null;
  },

  async list(s: PgSession, page: PageRequest): Promise<Page<Project>> {
    const total = (await s.value<number>('SELECT count(*)::int FROM projects')) ?? 0;
    const rows = await s.rows<ProjectRow>(
      `SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.seq > $1 ORDER BY p.seq LIMIT $2`,
      [decodeCursor(page.cursor) ?? 0, page.limit + 1],
    );
    return keysetPage(rows, page.limit, total, (pageRows) => pageRows.map(toProject));
  },

  async update(s: PgSession, id: string, changes: ProjectChanges, guard: WriteGuard = {}): Promise<Project> {
    const version = await s.value<number>('SELECT version FROM projects WHERE id = $1 FOR NO KEY UPDATE', [
      id,
    ]);
    if (version === undefined) throw BinderyError.notFound('project', id);
    checkVersion('project', id, version, guard);
    if (changes.name !== undefined) await refuseDuplicateName(s, changes.name, id);
    const params: unknown[] = [id];
    const assignments = ['version = version + 1'];
    const set = (column: string, value: unknown, cast = '') => {
      params.push(value);
      assignments.push(`${column} = $${params.length}${cast}`);
    };
    if (changes.name !== undefined) set('name', changes.name);
    if (changes.description !== undefined) set('description', changes.description);
    if (changes.tags !== undefined) set('tags', changes.tags, '::text[]');
    if (changes.updated_at !== undefined) set('updated_at', changes.updated_at, '::timestamptz');
    await s.rows(`UPDATE projects SET ${assignments.join(', ')} WHERE id = $1`, params);
    return (await pgProjects.get(s, id))!;
  },

  async delete(s: PgSession, id: string): Promise<{ detached_tasks: number } | null> {
    const locked = await s.value('SELECT 1 FROM projects WHERE id = $1 FOR UPDATE', [id]);
    if (locked === undefined) return null;
    const detached =
      (await s.value<number>('SELECT count(*)::int FROM tasks WHERE project_id = $1', [id])) ?? 0;
    // ON DELETE SET NULL detaches the project's tasks (and notes, documents) instead of deleting work.
    await s.rows('DELETE FROM projects WHERE id = $1', [id]);
    return { detached_tasks: detached };
  },
};

async function refuseDuplicateName(s: PgSession, name: string, id: string): Promise<void> {
  const other = await s.value<string>('SELECT id FROM projects WHERE name = $1 AND id <> $2', [name, id]);
  if (other) throw duplicateProjectName(name, other as string);
}

function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    tags: row.tags,
    task_count: row.task_count,
    open_task_count: row.open_task_count,
    created_at: row.created_at,
    updated_at: row.updated_at,
    version: row.version,
  };
}
