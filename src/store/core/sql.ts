import { decodeCursor, OPEN_STATUSES } from '../../contract/index.js';
import type { PageRequest } from '../types.js';
import type { Executor } from './dialect.js';

/** `('todo','doing',…)` for SQL that counts open tasks. */
export const OPEN_STATUS_SQL = `(${OPEN_STATUSES.map((s) => `'${s}'`).join(',')})`;

/** Milliseconds and percentages in metrics, to three decimals. */
export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** A list filter: a trusted SQL condition taking its value as `p`, and that value (absent when empty). */
export type Condition = [(p: string) => string, unknown];

/**
 * One page of `table`, newest first, with the filtered total: the shape of the plain list operations.
 * Conditions whose value is undefined, null or '' are skipped.
 */
export async function newestFirst<R extends { seq: number }>(
  x: Executor,
  query: { table: string; columns: string; conditions: readonly Condition[]; page: PageRequest },
): Promise<{ rows: R[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  for (const [clause, value] of query.conditions) {
    if (value !== undefined && value !== null && value !== '') add(clause, value);
  }
  const filtered = () => (where.length ? `WHERE ${where.join(' AND ')}` : '');
  const total = (await x.value<number>(`SELECT count(*) FROM ${query.table} ${filtered()}`, params)) ?? 0;
  const after = decodeCursor(query.page.cursor);
  if (after !== undefined) add((p) => `seq < ${p}`, after);
  const rows = await x.rows<R>(
    `SELECT ${query.columns} FROM ${query.table} ${filtered()} ORDER BY seq DESC LIMIT $${params.length + 1}`,
    [...params, query.page.limit + 1],
  );
  return { rows, total };
}
