import { BinderyError } from '../contract/index.js';
import type { Page } from './types.js';

/**
 * Opaque keyset cursors: the position after the last item of a page (a sequence number or an offset).
 * Base64url so clients treat them as tokens, not as numbers to edit.
 */
export function encodeCursor(position: number): string {
  return Buffer.from(`p:${position}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^p:(\d{1,15})$/.exec(text);
  if (!match)
    throw BinderyError.validation([{ field: 'cursor', reason: 'is not a cursor returned by this list' }]);
  return Number(match[1]);
}

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
