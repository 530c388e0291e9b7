import { encodeCursor } from '../contract/index.js';
import type { Page } from './types.js';

/**
 * A page from rows read with `LIMIT limit + 1` in keyset order: the extra row only tells that another
 * page follows, whose cursor is the last returned row's `seq`.
 */
export function keysetPage<R extends { seq: number }, T>(
  rows: readonly R[],
  limit: number,
  total: number,
  toItems: (pageRows: readonly R[]) => T[],
): Page<T> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return { items: toItems(pageRows), total, next_cursor: more && last ? encodeCursor(last.seq) : null };
}
