/** Search rules both stores follow, so SQLite and PostgreSQL answer alike (docs/search.md). */

/**
 * Matches of one kind that are ranked. FTS5's cost grows with the matches it ranks, so a term found in
 * 90,000 tasks is not ranked in all of them: a kind's newest CANDIDATES_PER_KIND matches are ranked, and
 * when that many match (a common word), only its newest COMMON_WORD_CANDIDATES (docs/search.md).
 */
export const CANDIDATES_PER_KIND = 1000;
export const COMMON_WORD_CANDIDATES = 200;
/** How many of a kind's newest matches are read and ranked. */
export const candidateLimit = (common: boolean) => (common ? COMMON_WORD_CANDIDATES : CANDIDATES_PER_KIND);
/** A long document would otherwise fill a page with its own chunks. */
export const CHUNKS_PER_DOCUMENT = 3;
/** Words after this many are ignored: each word costs a scan of its doclist. */
export const MAX_TERMS = 32;
export const SNIPPET_CHARS = 200;
export const MARK_OPEN = '«';
export const MARK_CLOSE = '»';
