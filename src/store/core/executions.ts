import { BinderyError, decodeCursor, type Execution } from '../../contract/index.js';
import { keysetPage } from '../cursor.js';
import type { ExecutionFilter, Page, PageRequest } from '../types.js';
import type { Dialect, Executor } from './dialect.js';

export const EXECUTION_COLUMNS =
  'id, task_id, role, status, started_at, finished_at, notes, lease_expires_at';

/** Most leases one expiry pass frees, so a pass is one short transaction (the sweep repeats until none). */
const EXPIRE_BATCH = 500;

/** Execution leases and listing; each method runs on the caller's executor. */
export class ExecutionCore {
  constructor(private readonly dialect: Dialect) {}

  /** When the first running execution's lease ends (undefined: none runs): one probe of the lease index. */
  async earliestLease(x: Executor): Promise<string | undefined> {
    return (
      (await x.value<string | null>(
        `SELECT min(lease_expires_at) FROM executions WHERE status = 'running'`,
      )) ?? undefined
    );
  }

  /**
   * Marks running executions whose lease ended expired and moves their tasks, if still doing, back to todo
   * (the caller runs this as the `system` actor, so the change log says who). Returns how many expired.
   */
  async expire(x: Executor, now: string, actor: string): Promise<number> {
    const due = await x.rows<{ id: string; task_id: string }>(
      `SELECT id, task_id FROM executions WHERE status = 'running' AND lease_expires_at <= $1
       ORDER BY lease_expires_at LIMIT ${EXPIRE_BATCH}${this.dialect.forUpdate}`,
      [now],
    );
    let expired = 0;
    for (const { id, task_id } of due) {
      const changed = await x.run(
        `UPDATE executions SET status = 'expired', finished_at = $2 WHERE id = $1 AND status = 'running'`,
        [id, now],
      );
      if (changed === 0) continue;
      expired++;
      await x.run(
        `UPDATE tasks SET status = 'todo', updated_at = $2, updated_by = $3, version = version + 1
         WHERE id = $1 AND status = 'doing'`,
        [task_id, now, actor],
      );
    }
    return expired;
  }

  /**
   * Extends a running execution's lease to `expiresAt`; a lease already past counts as expired. Outside
   * `projects` (when given) an execution is not found.
   */
  async heartbeat(
    x: Executor,
    id: string,
    now: string,
    expiresAt: string,
    projects?: readonly string[],
  ): Promise<Execution> {
    const params: unknown[] = [id];
    const within = projects
      ? ` AND ${this.ofProjects(`$${params.push(this.dialect.encodeIds(projects))}`)}`
      : '';
    const row = await x.row<Execution>(
      `SELECT ${EXECUTION_COLUMNS} FROM executions WHERE id = $1${within}${this.dialect.forUpdate}`,
      params,
    );
    if (!row) throw BinderyError.notFound('execution', id);
    const lapsed = row.lease_expires_at !== null && row.lease_expires_at <= now;
    const status = row.status === 'running' && lapsed ? 'expired' : row.status;
    if (status !== 'running') {
      throw BinderyError.conflict(
        `Execution ${id} is ${status}, not running: its claim is over. Claim the task again (next_task or execute_task) to go on.`,
        { execution_id: id, status },
      );
    }
    await x.run('UPDATE executions SET lease_expires_at = $2 WHERE id = $1', [id, expiresAt]);
    return { ...row, lease_expires_at: expiresAt };
  }

  /** A condition: the execution's task is in one of the projects bound at `param`. */
  private ofProjects(param: string): string {
    return `task_id IN (SELECT t.id FROM tasks t WHERE t.project_id ${this.dialect.idIn(param)})`;
  }

  /** Newest first. */
  async list(x: Executor, filter: ExecutionFilter, page: PageRequest): Promise<Page<Execution>> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const column of ['task_id', 'status', 'role'] as const) {
      if (filter[column] === undefined) continue;
      params.push(filter[column]);
      where.push(`${column} = $${params.length}`);
    }
    if (filter.project_ids)
      where.push(this.ofProjects(`$${params.push(this.dialect.encodeIds(filter.project_ids))}`));
    const filtered = () => (where.length ? `WHERE ${where.join(' AND ')}` : '');
    const total = Number(
      (await x.value<number>(`SELECT count(*) FROM executions ${filtered()}`, params)) ?? 0,
    );
    const seq = this.dialect.executionSeq;
    const after = decodeCursor(page.cursor);
    if (after !== undefined) {
      params.push(after);
      where.push(`${seq} < $${params.length}`);
    }
    const rows = await x.rows<Execution & { seq: number }>(
      `SELECT ${seq} AS seq, ${EXECUTION_COLUMNS} FROM executions ${filtered()}
       ORDER BY ${seq} DESC LIMIT $${params.length + 1}`,
      [...params, page.limit + 1],
    );
    return keysetPage(
      rows.map((r) => ({ ...r, seq: Number(r.seq) })),
      page.limit,
      total,
      (pageRows) => pageRows.map(({ seq: _seq, ...execution }) => execution),
    );
  }
}
