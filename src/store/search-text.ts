/**
 * Search text handling shared by both stores (docs/search.md): query words, stop words, identifier
 * words, folding, finding the query's words in a field, snippets. The dialects hold only SQL.
 */
import { stemmer } from 'stemmer';
import { MARK_CLOSE, MARK_OPEN, MAX_TERMS, SNIPPET_CHARS } from './search-rules.js';
import { STOP_WORDS } from './search-stop-words.js';

export { STOP_WORDS };

/** One word of the query, as the index and the ranking see it. */
export interface QueryTerm {
  /** Folded (lower case, no diacritics). */
  word: string;
  /** Its English stem (Porter). */
  stem: string;
  /**
   * For the last word typed, of two or more characters, what it also matches as a prefix (search as you
   * type): the part it shares with its stem, since the index holds stems and a stem can end differently
   * from the word (deploy → deploi, while deployment → deploy); null for other words. The word itself
   * is matched too.
   */
  prefix: string | null;
}

export interface QueryPlan {
  /** The words that must match (all, or at least one for a partial match), in query order. */
  terms: QueryTerm[];
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
/** Finds the first character outside ASCII (a failed `^[\x00-\x7f]*$` would backtrack over the text). */
const NON_ASCII = /[^\x00-\x7f]/;
const LETTER_OR_DIGIT = /[\p{L}\p{N}\p{M}]/u;
/** A lower-case letter or digit followed by an upper-case letter: where a camelCase word splits. */
const HUMP = /([\p{Ll}\p{N}])(?=\p{Lu})|(\p{Lu})(?=\p{Lu}\p{Ll})/gu;
const MARKS = /\p{M}/gu;

/**
 * Folds case and diacritics without changing the text's length, so offsets found in the folded text
 * are offsets in the original too. A character whose folded form has another length is kept lower-cased
 * (or as it is), which only costs a match on such rare characters (ligatures, a lone combining mark).
 */
export function fold(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length !== text.length) return text.replace(/[^\x00-\x7f]|[A-Z]/gu, foldCharacter);
  // Lower-casing kept every offset: only the characters outside ASCII are left to fold.
  return foldBeyondAscii(lower);
}

/**
 * `text` with each character outside ASCII that folding changes replaced by its folded form, and its ASCII
 * capitals kept: as long as `text`, and with the same words as fold(text) for a search that ignores ASCII
 * case (TermFinder.findIgnoringCase), without a lower-cased copy. Most characters outside ASCII (dashes,
 * box drawing, symbols) stay as they are, so only the others are replaced.
 */
export function foldBeyondAscii(text: string): string {
  let folded = '';
  let from = 0;
  for (let i = text.search(NON_ASCII); i >= 0 && i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128 || flagsOf(code) & FOLDS_TO_ITSELF) continue;
    const pair = code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1));
    const c = text.slice(i, pair ? i + 2 : i + 1);
    const replacement = foldCharacter(c);
    if (replacement !== c) {
      folded += text.slice(from, i) + replacement;
      from = i + c.length;
    }
    i += c.length - 1;
  }
  return from === 0 ? text : folded + text.slice(from);
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * Whether folding and composing leave `text` as it is but for its ASCII capitals: ASCII text, with dashes,
 * box drawing or arrows, say. Its words are found in it as it is (TermFinder.findIgnoringCase): lower-cased,
 * composed and folded copies of a common word's ~500 candidate texts were two fifths of its search, in
 * their making and in the young-generation collections that copied them.
 */
export function isPlain(text: string): boolean {
  const first = text.search(NON_ASCII);
  if (first < 0) return true;
  for (let i = first; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 && !(flagsOf(code) & PLAIN)) return false;
  }
  return true;
}

// What a UTF-16 code unit is to fold and isPlain, worked out once: KNOWN, and whether folding leaves it as
// it is, and whether it is plain (it folds to itself, is composed already and composes with nothing).
const KNOWN = 1;
const FOLDS_TO_ITSELF = 2;
const PLAIN = 4;
const characterFlags = new Uint8Array(0x10000);
/** Characters that compose with the one before them: marks and the conjoining Hangul vowels and finals. */
const COMPOSING = /[\p{M}\u1160-\u11ff\ud7b0-\ud7ff]/u;

function flagsOf(code: number): number {
  let flags = characterFlags[code]!;
  if (flags === 0) {
    flags = KNOWN;
    const c = String.fromCharCode(code);
    // A surrogate is half of a character (an emoji, say): not judged alone.
    if ((code < 0xd800 || code > 0xdfff) && foldCharacter(c) === c) {
      flags |= FOLDS_TO_ITSELF;
      if (!COMPOSING.test(c) && c.normalize('NFC') === c) flags |= PLAIN;
    }
    characterFlags[code] = flags;
  }
  return flags;
}

const foldedCharacters = new Map<string, string>();
function foldCharacter(c: string): string {
  let found = foldedCharacters.get(c);
  if (found === undefined) {
    const folded = c.normalize('NFKD').replace(MARKS, '').toLowerCase();
    const lowered = c.toLowerCase();
    found = folded.length === c.length ? folded : lowered.length === c.length ? lowered : c;
    if (foldedCharacters.size > 10_000) foldedCharacters.clear();
    foldedCharacters.set(c, found);
  }
  return found;
}

/** `contentTypeParser` → `content Type Parser`; `HTTPServer` → `HTTP Server`. */
export function splitIdentifier(word: string): string {
  return word.replace(HUMP, '$1$2 ');
}

/**
 * The words of the camelCase and PascalCase identifiers in `text`, each identifier's words in order:
 * indexed next to the text, so "content type parser" finds `contentTypeParser` (the whole identifier
 * is indexed as one word by the text itself; snake_case and kebab-case split on their own). A word is a
 * run of letters, digits and marks; it is an identifier when it has a hump (see HUMP). One pass over
 * the character codes: regular expressions over the whole text took ~2 s for 5 MB.
 */
export function identifierWords(text: string): string {
  const out: string[] = [];
  let start = -1;
  // Where the current word splits (as splitIdentifier would split it): a hump is where a space goes.
  const splits: number[] = [];
  let prev = NONE;
  let prev2 = NONE;
  let prevSize = 1;
  for (let i = 0; i <= text.length; ) {
    const code = i < text.length ? text.charCodeAt(i) : SPACE;
    let kind: number;
    let size = 1;
    if (code < 128) kind = ASCII_KINDS[code]!;
    else {
      const point = text.codePointAt(i)!;
      if (point > 0xffff) size = 2;
      kind = unicodeKind(point);
    }
    if (kind === NONE) {
      if (splits.length > 0) {
        let word = text.slice(start, splits[0]);
        for (let s = 0; s < splits.length; s++) word += ` ${text.slice(splits[s], splits[s + 1] ?? i)}`;
        out.push(word);
        splits.length = 0;
      }
      start = -1;
      prev = prev2 = NONE;
    } else {
      if (start < 0) start = i;
      else if ((prev === LOWER || prev === DIGIT) && kind === UPPER) splits.push(i);
      else if (prev2 === UPPER && prev === UPPER && kind === LOWER) splits.push(i - prevSize);
      prev2 = prev;
      prev = kind;
    }
    prevSize = size;
    i += size;
  }
  return out.join(' ; ');
}

/** A chunk's heading path as one searchable line. */
export const headingLine = (headingPath: readonly string[]) => headingPath.join(' › ');

/**
 * The identifier words a chunk is indexed (and ranked) by: those of its document's title, its headings
 * and its text. Computed once when the chunk is stored; both stores keep them next to the chunk.
 */
export function chunkIdentifierWords(title: string, headingPath: readonly string[], text: string): string {
  return identifierWords(`${title} ${headingLine(headingPath)} ${text}`);
}

// What a character is to identifierWords: not part of a word, or a lower-case letter, a digit, an
// upper-case letter, another letter or a mark.
const NONE = 0;
const LOWER = 1;
const DIGIT = 2;
const UPPER = 3;
const OTHER = 4;
const SPACE = 32;
const ASCII_KINDS = Uint8Array.from({ length: 128 }, (_, code) => {
  const c = String.fromCharCode(code);
  if (c >= 'a' && c <= 'z') return LOWER;
  if (c >= 'A' && c <= 'Z') return UPPER;
  return c >= '0' && c <= '9' ? DIGIT : NONE;
});
const unicodeKinds = new Map<number, number>();
function unicodeKind(point: number): number {
  let kind = unicodeKinds.get(point);
  if (kind === undefined) {
    const c = String.fromCodePoint(point);
    if (/\p{Ll}/u.test(c)) kind = LOWER;
    else if (/\p{Lu}/u.test(c)) kind = UPPER;
    else if (/\p{N}/u.test(c)) kind = DIGIT;
    else kind = LETTER_OR_DIGIT.test(c) ? OTHER : NONE;
    unicodeKinds.set(point, kind);
  }
  return kind;
}

/**
 * User text → the words to search. Every word is a run of letters, digits and marks; anything else only
 * separates words, so no user text is query syntax. A camelCase word counts as its words. Stop words
 * are dropped, unless the query has nothing else. Repeats are dropped; at most MAX_TERMS words.
 * Null when the text has no words.
 */
export function parseQuery(text: string): QueryPlan | null {
  const raw = (text.match(WORD) ?? []).flatMap((w) => splitIdentifier(w).split(' '));
  // Folding can turn one character into several, punctuation among them (🄀 → "0."): split again after it.
  const words = [...new Set(raw.flatMap((w) => fold(w).replace(MARKS, '').match(WORD) ?? []))];
  if (words.length === 0) return null;
  const kept = words.filter((w) => !STOP_WORDS.has(w));
  const used = (kept.length > 0 ? kept : words).slice(0, MAX_TERMS);
  const lastTyped = words.at(-1);
  return {
    terms: used.map((word) => {
      const prefix = prefixForm(word);
      const typed = word === lastTyped && [...prefix].length >= 2;
      return { word, stem: stem(word), prefix: typed ? prefix : null };
    }),
  };
}

/**
 * The prefix a typed word is matched by: the part it shares with its stem, shortened until stemming
 * leaves it alone (the index stems a prefix too: "deploy*" would look for "deploi…").
 */
function prefixForm(word: string): string {
  let prefix = commonPrefix(word, stem(word));
  while (prefix.length > 2 && stem(prefix) !== prefix) prefix = prefix.slice(0, -1);
  return prefix;
}

const stems = new Map<string, string>();
/** Porter stem of a folded word (the stemmer of SQLite's FTS5 `porter` tokenizer), memoised. */
export function stem(word: string): string {
  let found = stems.get(word);
  if (found === undefined) {
    found = /^\p{Ll}+$/u.test(word) ? stemmer(word) : word;
    if (stems.size > 50_000) stems.clear();
    stems.set(word, found);
  }
  return found;
}

/** How a word of the text relates to a query term. Exact forms count more than other forms of the word. */
export const EXACT = 1;
export const STEMMED = 0.7;

/** A query word found in a field: offsets into the field and which term, with its weight. */
export interface Hit {
  start: number;
  end: number;
  term: number;
  weight: number;
}

/** Finds the query's terms in text, by whole words: exact, same stem, or (the typed last word) prefix. */
export class TermFinder {
  private readonly pattern: RegExp;
  private readonly caseless: RegExp;

  constructor(readonly terms: readonly QueryTerm[]) {
    // A word is a candidate when it starts with what a term and its stem share; the stem then decides.
    const starts = terms.map((t) => escapeRegExp(commonPrefix(t.word, t.stem)));
    const rest = `[\\p{L}\\p{N}]*`;
    this.pattern = new RegExp(`(?:${starts.join('|')})${rest}`, 'gu');
    // Not the `i` flag, which also equates characters outside ASCII (final and other sigma, say) that
    // folding keeps apart.
    const caseless = starts.map((start) => start.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`));
    this.caseless = new RegExp(`(?:${caseless.join('|')})${rest}`, 'gu');
  }

  /** Hits in `folded` text (see fold), in text order. */
  find(folded: string): Hit[] {
    return this.scan(folded, this.pattern, false);
  }

  /**
   * Hits in text that is plain (see isPlain) or folded beyond ASCII (foldBeyondAscii), found as in its
   * folded form, whose offsets are the same.
   */
  findIgnoringCase(text: string): Hit[] {
    return this.scan(text, this.caseless, true);
  }

  private scan(text: string, pattern: RegExp, lowerTokens: boolean): Hit[] {
    const hits: Hit[] = [];
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      // Only whole words: a match that starts inside a word is not one (cheaper than a lookbehind).
      if (match.index > 0 && isWordCharacter(text, match.index - 1)) continue;
      const token = lowerTokens ? match[0].toLowerCase() : match[0];
      for (let i = 0; i < this.terms.length; i++) {
        const weight = this.weigh(token, this.terms[i]!);
        if (weight > 0) {
          hits.push({ start: match.index, end: match.index + token.length, term: i, weight });
          break;
        }
      }
    }
    return hits;
  }

  private weigh(token: string, term: QueryTerm): number {
    if (token === term.word) return EXACT;
    if (term.prefix && token.startsWith(term.prefix)) return STEMMED;
    if (!token.startsWith(term.stem.slice(0, 1))) return 0;
    return stem(token) === term.stem ? STEMMED : 0;
  }
}

function isWordCharacter(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return code < 128 ? ASCII_KINDS[code] !== NONE : LETTER_OR_DIGIT.test(text[at]!);
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, Math.max(i, 1));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Private-use markers while a snippet is cut, so a « already in the text is not taken for a hit.
const OPEN = '\uE000';
const CLOSE = '\uE001';
/** Characters of context kept before the first hit of a snippet. */
const LEAD = 60;

/**
 * One line of at most SNIPPET_CHARS around the hits of `text` (whose hits were found in its folded
 * form), each hit marked «like this», `…` where text was cut. Starts a little before the first hit of
 * the window holding the most distinct query words.
 */
export function snippet(text: string, hits: readonly Hit[]): string {
  if (hits.length === 0) return clip(oneLine(text));
  const lead = windowStart(hits);
  const from = lead > 0 ? wordStart(text, lead) : 0;
  let marked = '';
  let at = from;
  for (const hit of hits) {
    if (hit.start < from) continue;
    if (hit.start - from > SNIPPET_CHARS * 3) break;
    marked += text.slice(at, hit.start) + OPEN + text.slice(hit.start, hit.end) + CLOSE;
    at = hit.end;
  }
  marked += text.slice(at, at + SNIPPET_CHARS * 3);
  const body = oneLine(marked);
  const clipped = clip(from > 0 ? `…${body}` : body);
  return clipped.replaceAll(OPEN, MARK_OPEN).replaceAll(CLOSE, MARK_CLOSE);
}

/** Where the snippet starts: LEAD characters before the hit that opens the richest window. */
function windowStart(hits: readonly Hit[]): number {
  let best = hits[0]!.start;
  let bestCount = 0;
  for (let i = 0; i < hits.length; i++) {
    const terms = new Set<number>();
    for (let j = i; j < hits.length && hits[j]!.end - hits[i]!.start < SNIPPET_CHARS - LEAD; j++)
      terms.add(hits[j]!.term);
    if (terms.size > bestCount) {
      bestCount = terms.size;
      best = hits[i]!.start;
    }
  }
  return Math.max(0, best - LEAD);
}

/** Moves `at` forward to the start of a word, so a snippet does not open mid-word. */
function wordStart(text: string, at: number): number {
  const space = text.slice(at, at + 30).search(/\s/);
  return space >= 0 && at + space + 1 <= text.length ? at + space + 1 : at;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts to SNIPPET_CHARS with an ellipsis, never inside a surrogate pair or between a hit's markers. */
export function clip(text: string): string {
  if (text.length <= SNIPPET_CHARS) return text;
  let cut = text.slice(0, SNIPPET_CHARS - 2);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  if (cut.lastIndexOf(OPEN) > cut.lastIndexOf(CLOSE)) cut += CLOSE;
  return `${cut}…`;
}
