import type { Change, ChangeEntity } from '../../contract/index.js';
import {
  CHANGE_COLUMNS,
  type ChangeFilter,
  type ChangeRead,
  type ChangeRetention,
  type ChangeRow,
  changeFromRow,
  filterConditions,
} from '../change-log.js';
import type { Dialect, Executor } from './dialect.js';

type Bounds = { newest: number | null; pruned_through: number };

const BOUNDS = `SELECT (SELECT max(seq) FROM changes) AS newest,
    (SELECT pruned_through FROM change_horizon WHERE id = 1) AS pruned_through`;

function bounds(row: Bounds): { newest: number; pruned_through: number } {
  const pruned = Number(row.pruned_through);
  return { newest: Math.max(Number(row.newest ?? 0), pruned), pruned_through: pruned };
}

/** Reading and pruning the change log, the same SQL on both databases (the triggers that fill it differ). */
export class ChangeCore {
  constructor(private readonly dialect: Dialect) {}

  private change(row: ChangeRow): Change {
    return changeFromRow({ ...row, fields: this.dialect.decodeList(row.fields) });
  }

  /** The newest seq (the horizon still knows it once every row was pruned) and the pruning horizon. */
  private async bounds(x: Executor): Promise<{ newest: number; pruned_through: number }> {
    return bounds((await x.row<Bounds>(BOUNDS))!);
  }

  /**
   * One statement, so the page and the bounds come from one snapshot without a transaction around them (on
   * PostgreSQL that saves the BEGIN and COMMIT round trips of every read of the log). The bounds row is always
   * there; the page's rows are joined to it, and an empty page leaves one row whose change columns are null.
   */
  async after(x: Executor, since: number, filter: ChangeFilter, limit: number): Promise<ChangeRead> {
    const conditions = filterConditions(filter);
    const where = ['seq > $1', ...conditions.map(([column], i) => `${column} = $${i + 2}`)].join(' AND ');
    const rows = await x.rows<ChangeRow & Bounds>(
      `SELECT p.*, b.newest, b.pruned_through FROM (${BOUNDS}) b
       LEFT JOIN (SELECT ${CHANGE_COLUMNS} FROM changes WHERE ${where} ORDER BY seq
                  LIMIT $${conditions.length + 2}) p ON true
       ORDER BY p.seq`,
      [since, ...conditions.map(([, value]) => value), limit],
    );
    const items = rows
      .filter((row) => row.seq !== null)
      .map(({ newest: _n, pruned_through: _p, ...row }) => this.change(row));
    return { items, ...bounds(rows[0]!) };
  }

  async history(
    x: Executor,
    entity: ChangeEntity,
    id: string,
    page: { limit: number; before?: number | undefined },
  ): Promise<{ items: Change[]; total: number }> {
    const total = Number(
      (await x.value<number>('SELECT count(*) FROM changes WHERE entity = $1 AND id = $2', [entity, id])) ??
        0,
    );
    const rows = await x.rows<ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM changes WHERE entity = $1 AND id = $2 AND seq < $3
       ORDER BY seq DESC LIMIT $4`,
      [entity, id, page.before ?? Number.MAX_SAFE_INTEGER, page.limit],
    );
    return { items: rows.map((row) => this.change(row)), total };
  }

  async prune(x: Executor, retention: ChangeRetention, batch: number): Promise<number> {
    const { newest } = await this.bounds(x);
    const byAge = Number(
      (await x.value<number | null>('SELECT max(seq) FROM changes WHERE at < $1', [retention.before])) ?? 0,
    );
    const cut = Math.max(newest - retention.maxRows, byAge);
    const first = await x.value<number | null>('SELECT min(seq) FROM changes');
    if (first == null || cut < Number(first)) return 0;
    const upTo = Math.min(cut, Number(first) + batch - 1);
    const deleted = await x.run('DELETE FROM changes WHERE seq <= $1', [upTo]);
    await x.run(
      `UPDATE change_horizon SET pruned_through = CASE WHEN pruned_through > $1 THEN pruned_through ELSE $1 END
       WHERE id = 1`,
      [upTo],
    );
    return deleted;
  }
}
