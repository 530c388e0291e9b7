/**
 * How both stores rank search results (docs/search.md). A store finds candidates with its full-text
 * index (the newest matches of each kind, all query words first, then any word) and hands over their
 * text; they are ranked here, the same way on SQLite and PostgreSQL: BM25F over weighted fields, exact
 * word forms above other forms, query words standing together in the text above scattered ones, and
 * results with every query word above those with some, which are ordered by how many (and how rare)
 * of the query's words they hold.
 */
import type { SearchResult } from '../contract/index.js';
import { CHUNKS_PER_DOCUMENT } from './search-rules.js';
import {
  fold,
  foldBeyondAscii,
  type Hit,
  isPlain,
  parseQuery,
  type QueryTerm,
  snippet,
  TermFinder,
} from './search-text.js';
import type { SearchPage, SearchPath, SearchRequest } from './types.js';

type Kind = SearchResult['type'];

/** A row the index matched, with the text it is ranked by. */
export interface SearchCandidate {
  kind: Kind;
  /** The row's key within its kind (its seq): newer rows have larger keys. */
  key: number;
  /** A document's chunks share it (the document id); null for other kinds. */
  group: string | null;
  id: string;
  title: string;
  tags: string[];
  project_id: string | null;
  /** The chunk's heading path or code symbols, joined; '' for other kinds. */
  heading: string;
  /** The document's source path; '' when none. */
  path: string;
  body: string;
  /** A chunk's identifier words, as stored with it (chunkIdentifierWords); '' for other kinds. */
  identifiers: string;
  chunk?: { index: number; heading_path: string[]; code: boolean };
}

export type MatchMode = 'all' | 'any';

/** What a store says of its matches for a query, besides the rows it handed over. */
export interface CandidateSet {
  /** Whether some kind matched CANDIDATES_PER_KIND rows or more, so only its newest few are ranked. */
  common: boolean;
}

/** What a store provides: its index's matches and the size of what it searched. */
export interface CandidateSource {
  /**
   * Hands the newest rows of each requested kind holding all (or any) of the terms (candidateLimit) to
   * `take`, one by one: PostgreSQL as they arrive, so that a row's ranking work overlaps the reading of the
   * next and no list of them is held; SQLite once its statements have run.
   */
  candidates(
    terms: readonly QueryTerm[],
    mode: MatchMode,
    request: SearchRequest,
    take: (candidate: SearchCandidate) => void,
  ): Promise<CandidateSet>;
  /** How many rows the requested kinds hold (an estimate will do): the N of word rarity. */
  corpusSize(request: SearchRequest): Promise<number>;
}

/**
 * The fields a candidate is ranked by, with their weights: a word in a title counts five times one in the
 * body (docs/search.md). A candidate's texts, hits and lengths are arrays in this order.
 */
const FIELDS = [
  { name: 'title', weight: 5, of: (c: SearchCandidate) => c.title },
  { name: 'heading', weight: 3, of: (c: SearchCandidate) => c.heading },
  { name: 'path', weight: 4, of: (c: SearchCandidate) => c.path },
  { name: 'tags', weight: 2, of: (c: SearchCandidate) => c.tags.join(' ') },
  { name: 'body', weight: 1, of: (c: SearchCandidate) => c.body },
  { name: 'identifiers', weight: 0.5, of: (c: SearchCandidate) => c.identifiers },
] as const;
type Field = (typeof FIELDS)[number]['name'];
/** A field's position in FIELDS. */
const AT = Object.fromEntries(FIELDS.map((field, i) => [field.name, i])) as Record<Field, number>;
const K1 = 1.2;
const B = 0.75;
/** Query words adjacent in the query and in the text raise the score by up to this share. */
const ADJACENCY_BONUS = 0.25;
/** The share of its file's other matching chunks' scores a code chunk gains. */
const MODULE_SHARE = 0.35;
const KIND_ORDER: Record<Kind, number> = { task: 1, project: 2, note: 3, document: 4 };

interface Scored {
  candidate: SearchCandidate;
  /** The fields' text as searched (composed Unicode), which snippets are cut from; in FIELDS order. */
  texts: string[];
  /** Each field's hits, in FIELDS order. */
  hits: Hit[][];
  /** The query's terms it holds (see holds). */
  matched: number;
  all: boolean;
  coverage: number;
  score: number;
}

export async function rankedSearch(source: CandidateSource, request: SearchRequest): Promise<SearchPage> {
  const plan = parseQuery(request.text);
  if (!plan || request.types.length === 0) return { results: [], total: 0, path: 'empty' };
  const finder = new TermFinder(plan.terms);
  const pool: Found[] = [];
  const first = await source.candidates(plan.terms, 'all', request, (c) => pool.push(findHits(c, finder)));
  let path: SearchPath = first.common ? 'common' : 'rare';
  if (plan.terms.length > 1 && capPerDocument(pool).length < request.limit) {
    const seen = new Set(pool.map((found) => identity(found.candidate)));
    await source.candidates(plan.terms, 'any', request, (c) => {
      if (!seen.has(identity(c))) pool.push(findHits(c, finder));
    });
    path = 'fill';
  }
  if (pool.length === 0) return { results: [], total: 0, path };
  const ranked = rank(pool, finder.terms.length, await source.corpusSize(request));
  const kept = capPerDocument(ranked);
  const scores = displayScores(kept);
  const from = request.offset;
  const results = kept
    .slice(from, from + request.limit)
    .map((s, i) => toResult(s, finder, scores[from + i]!));
  return { results, total: kept.length, path };
}

const identity = (c: SearchCandidate) => `${c.kind}:${c.key}`;

// The terms a candidate holds are a bit set: bit t for the query's term t, in a 32-bit integer (MAX_TERMS is
// 32), where a Set per candidate was garbage.
const holds = (matched: number, term: number) => (matched & (1 << term)) !== 0;
/** The set of all `count` terms: with 32, every bit, which a 32-bit integer reads as -1. */
const allOf = (count: number) => (count === 32 ? -1 : (1 << count) - 1);

/** Every candidate scored and sorted best first. */
function rank(found: readonly Found[], termCount: number, corpus: number): Scored[] {
  const n = Math.max(corpus, found.length);
  const idf = Array.from({ length: termCount }, (_, t) => {
    const df = found.filter((f) => holds(f.matched, t)).length;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  });
  const totalIdf = idf.reduce((a, b) => a + b, 0) || 1;
  const allTerms = allOf(termCount);
  const meanLength = FIELDS.map(
    (_, f) => found.reduce((sum, found) => sum + found.lengths[f]!, 0) / found.length || 1,
  );
  const scored = found.map(({ candidate, texts, hits, matched, lengths, inField, adjacent }): Scored => {
    let score = 0;
    for (let t = 0; t < termCount; t++) {
      let tf = 0;
      for (let f = 0; f < FIELDS.length; f++) {
        const weighed = inField[f * termCount + t]!;
        if (weighed > 0) tf += (FIELDS[f]!.weight * weighed) / (1 - B + (B * lengths[f]!) / meanLength[f]!);
      }
      score += (idf[t]! * tf * (K1 + 1)) / (K1 + tf);
    }
    score *= 1 + ADJACENCY_BONUS * adjacent;
    const coverage = idf.reduce((sum, value, t) => (holds(matched, t) ? sum + value : sum), 0) / totalIdf;
    return { candidate, texts, hits, matched, all: matched === allTerms, coverage, score };
  });
  shareModuleEvidence(scored);
  return scored.sort(
    (a, b) =>
      Number(b.all) - Number(a.all) ||
      b.score - a.score ||
      KIND_ORDER[b.candidate.kind] - KIND_ORDER[a.candidate.kind] ||
      b.candidate.key - a.candidate.key,
  );
}

/** A candidate with its hits: what ranking needs of it. */
type Found = ReturnType<typeof findHits>;

/**
 * A candidate's hits, field by field. Arrays indexed by field (and a flat array of weights) rather than
 * maps and records: a common word ranks hundreds of candidates, and their garbage was ~15 % of a search.
 */
function findHits(candidate: SearchCandidate, finder: TermFinder) {
  const termCount = finder.terms.length;
  // Arrays of their final size: grown by push, each would have room for 17.
  const texts = new Array<string>(FIELDS.length);
  const folded = new Array<string>(FIELDS.length);
  const hits = new Array<Hit[]>(FIELDS.length);
  const lengths = new Array<number>(FIELDS.length);
  let matched = 0;
  // Per field, then per term: the summed weights of its hits (exact forms count more than other forms).
  const inField = new Array<number>(FIELDS.length * termCount).fill(0);
  for (let f = 0; f < FIELDS.length; f++) {
    const raw = FIELDS[f]!.of(candidate);
    // Plain text (most of it) is searched as it is. Other text is composed, so a decomposed "e + ◌̀" is
    // found as "è" like the index finds it, and folded. Snippets are cut from `text`.
    const plain = raw === '' || isPlain(raw);
    const text = plain ? raw : raw.normalize('NFC');
    const searched = plain ? raw : foldBeyondAscii(text);
    const found = raw === '' ? NO_HITS : finder.findIgnoringCase(searched);
    texts[f] = text;
    folded[f] = searched;
    lengths[f] = text.length;
    hits[f] = found;
    for (const hit of found) {
      matched |= 1 << hit.term;
      inField[f * termCount + hit.term]! += hit.weight;
    }
  }
  const adjacent = adjacency(folded, hits, termCount);
  return { candidate, texts, hits, matched, lengths, inField, adjacent };
}

const NO_HITS: Hit[] = [];
/** What may stand between two words that count as adjacent: a space, a hyphen, an underscore, a dot … */
const ADJACENT_GAP = /^[ \t\-_./:'’]{1,3}$/;

/** Share of the query's neighbouring word pairs that stand next to each other in some field. */
function adjacency(texts: readonly string[], hits: readonly Hit[][], termCount: number): number {
  if (termCount < 2) return 0;
  const pairs = new Set<number>();
  hits.forEach((list, f) => {
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!;
      const b = list[i]!;
      if (b.term === a.term + 1 && ADJACENT_GAP.test(texts[f]!.slice(a.end, b.start))) pairs.add(a.term);
    }
  });
  return pairs.size / (termCount - 1);
}

/**
 * A code chunk is one piece of a module: the query words matched by its file's other chunks (a helper's
 * name, a comment further down) are evidence for it too, so each code chunk gains a share of theirs.
 */
function shareModuleEvidence(scored: Scored[]): void {
  // Summed in key order: floating-point sums depend on their order, and the stores' rows come in the
  // order their plans read them, which must not tell two equal scores apart differently on each store.
  const code = scored
    .filter((s) => s.candidate.chunk?.code)
    .sort((a, b) => a.candidate.key - b.candidate.key);
  const totals = new Map<string, number>();
  for (const s of code) totals.set(s.candidate.group!, (totals.get(s.candidate.group!) ?? 0) + s.score);
  for (const s of code) s.score += MODULE_SHARE * (totals.get(s.candidate.group!)! - s.score);
}

/** Keeps a document's best CHUNKS_PER_DOCUMENT chunks (the list is sorted best first). */
function capPerDocument<T extends { candidate: SearchCandidate }>(ranked: readonly T[]): T[] {
  const seen = new Map<string, number>();
  return ranked.filter((item) => {
    const group = item.candidate.group;
    if (group === null) return true;
    const count = (seen.get(group) ?? 0) + 1;
    seen.set(group, count);
    return count <= CHUNKS_PER_DOCUMENT;
  });
}

/**
 * relevance_score: each result's score (a partial match's scaled by the share of the query it covers)
 * over the best one's, never increasing down the list, rounded to 4 decimals.
 */
function displayScores(kept: readonly Scored[]): number[] {
  const values = kept.map((s) => (s.all ? s.score : s.score * s.coverage));
  const best = Math.max(...values) || 1;
  let floor = 1;
  return values.map((v) => {
    floor = Math.min(floor, Math.round((v / best) * 10_000) / 10_000);
    return floor;
  });
}

function toResult(s: Scored, finder: TermFinder, relevance: number): SearchResult {
  const terms = finder.terms;
  const c = s.candidate;
  const result: SearchResult = {
    id: c.id,
    type: c.kind,
    title: c.title,
    snippet: snippetOf(s, finder),
    relevance_score: relevance,
    tags: c.tags,
    project_id: c.project_id,
    match: s.all ? 'all' : 'partial',
    matched: terms.filter((_, t) => holds(s.matched, t)).map((t) => t.word),
  };
  if (c.chunk) {
    result.chunk_index = c.chunk.index;
    if (c.chunk.code) {
      if (c.chunk.heading_path.length > 0) result.symbol = c.chunk.heading_path.join(', ');
    } else result.heading_path = c.chunk.heading_path;
  }
  return result;
}

/** From the body around its hits; from the title, headings or tags when only they matched. */
function snippetOf(s: Scored, finder: TermFinder): string {
  const { texts, hits } = s;
  const body = texts[AT.body]!;
  if (hits[AT.body]!.length > 0) return snippet(body, hits[AT.body]!);
  const label = [texts[AT.title], texts[AT.heading], texts[AT.tags]].filter(Boolean).join(' — ');
  const labelHits = finder.find(fold(label));
  return labelHits.length > 0 ? snippet(label, labelHits) : snippet(body, []);
}
