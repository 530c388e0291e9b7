import { BinderyError } from './errors.js';

/**
 * Opaque keyset cursors: the position after the last item of a page (a sequence number or an offset).
 * Base64url so clients treat them as tokens, not as numbers to edit. Every list operation's `cursor` and
 * `next_cursor` use this one codec, whichever layer makes the page.
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
