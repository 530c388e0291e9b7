import { isBlank, isSentenceEnd, isSpace, type Line, type Range, type Section } from './text.js';

// Packing: blocks (runs of non-blank lines) are merged up to the size limit; longer blocks are cut.

export const MAX_CHUNK_CHARS = 2000;
/** Characters repeated at the start of a piece when a block longer than MAX_CHUNK_CHARS is cut. */
export const CHUNK_OVERLAP = 200;
/** A cut never makes a piece shorter than this, so a poor boundary cannot produce slivers. */
const MIN_PIECE_CHARS = MAX_CHUNK_CHARS / 2;

export function packSection(content: string, lines: Line[], section: Section, fenced?: Uint8Array): Range[] {
  const ranges: Range[] = [];
  let current: Range | undefined;
  for (const block of blocks(content, lines, section, fenced)) {
    if (current && block.end - current.start <= MAX_CHUNK_CHARS) {
      current.end = block.end;
      continue;
    }
    if (current) ranges.push(current);
    const pieces = cutBlock(content, block);
    // The last piece stays open so the following blocks can still join it.
    current = pieces.pop();
    for (const piece of pieces) ranges.push(piece);
  }
  if (current) ranges.push(current);
  return ranges;
}

function* blocks(content: string, lines: Line[], section: Section, fenced?: Uint8Array): Generator<Range> {
  let first = -1;
  for (let i = section.from; i < section.to; i++) {
    const line = lines[i]!;
    const separates = isBlank(content, line.start, line.end) && !fenced?.[i];
    if (!separates && first < 0) first = i;
    if (separates && first >= 0) {
      yield { start: lines[first]!.start, end: lines[i - 1]!.end };
      first = -1;
    }
  }
  if (first >= 0) yield { start: lines[first]!.start, end: lines[section.to - 1]!.end };
}

/** Cuts a block into pieces ≤ MAX_CHUNK_CHARS, each (but the first) repeating the end of the previous. */
function cutBlock(content: string, block: Range): Range[] {
  const pieces: Range[] = [];
  let pos = block.start;
  while (block.end - pos > MAX_CHUNK_CHARS) {
    const cut = bestCut(content, pos + MIN_PIECE_CHARS, pos + MAX_CHUNK_CHARS);
    pieces.push({ start: pos, end: cut });
    pos = overlapStart(content, cut);
  }
  pieces.push({ start: pos, end: block.end });
  return pieces;
}

/** The best place in [min, limit] to end a piece: after a line break, a sentence, a space, else hard. */
function bestCut(content: string, min: number, limit: number): number {
  for (let i = limit - 1; i >= min; i--) if (content.charCodeAt(i) === 10) return i + 1;
  for (let i = limit - 2; i >= min; i--) {
    if (isSentenceEnd(content.charCodeAt(i)) && isSpace(content.charCodeAt(i + 1))) return i + 2;
  }
  for (let i = limit - 1; i >= min; i--) if (isSpace(content.charCodeAt(i))) return i + 1;
  return splitsPair(content, limit) ? limit - 1 : limit;
}

/** Start of the next piece: CHUNK_OVERLAP before the cut, moved on to the next word start if there is one. */
function overlapStart(content: string, cut: number): number {
  const from = cut - CHUNK_OVERLAP;
  for (let i = from; i < cut; i++)
    if (isSpace(content.charCodeAt(i - 1)) && !isSpace(content.charCodeAt(i))) return i;
  return splitsPair(content, from) ? from + 1 : from;
}

/** True when the offset falls between the two halves of a surrogate pair (an emoji, say). */
function splitsPair(content: string, offset: number): boolean {
  const low = content.charCodeAt(offset);
  const high = content.charCodeAt(offset - 1);
  return low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff;
}

/** Drops leading blank lines and trailing whitespace (keeping the first line's indentation); null if blank. */
export function trimRange(content: string, range: Range): Range | null {
  let first = range.start;
  while (first < range.end && isSpace(content.charCodeAt(first))) first++;
  if (first === range.end) return null;
  let end = range.end;
  while (isSpace(content.charCodeAt(end - 1))) end--;
  let start = first;
  while (start > range.start && content.charCodeAt(start - 1) !== 10) start--;
  return { start, end };
}
