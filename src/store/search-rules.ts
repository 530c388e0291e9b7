/** Search rules both stores follow, so SQLite and PostgreSQL answer alike (docs/search.md). */

/**
 * Matches of one kind that are ranked. FTS5's cost grows with the matches it ranks, so a term found in
 * 90,000 tasks ranks only the newest CANDIDATES_PER_KIND of them (docs/search.md).
 */
export const CANDIDATES_PER_KIND = 1000;
/** A long document would otherwise fill a page with its own chunks. */
export const CHUNKS_PER_DOCUMENT = 3;
/** Words after this many are ignored: each word costs a scan of its doclist. */
export const MAX_TERMS = 32;
export const SNIPPET_CHARS = 200;
export const MARK_OPEN = '«';
export const MARK_CLOSE = '»';
