import type { DOCUMENT_TYPES } from '../contract/document.js';

export type DocumentTypeName = (typeof DOCUMENT_TYPES)[number];

/** One searchable piece of a document; `text === content.slice(start, end)` (UTF-16 offsets). */
export interface Chunk {
  index: number;
  start: number;
  end: number;
  /** Headings (markdown) or definitions (code) the chunk sits under; [] for text. */
  heading_path: string[];
  text: string;
}

export const MAX_CHUNK_CHARS = 2000;
/** Characters repeated at the start of a piece when a block longer than MAX_CHUNK_CHARS is cut. */
export const CHUNK_OVERLAP = 200;
/** A cut never makes a piece shorter than this, so a poor boundary cannot produce slivers. */
const MIN_PIECE_CHARS = MAX_CHUNK_CHARS / 2;
/** Code definitions shorter than this are grouped with small neighbours instead of standing alone. */
const SMALL_DEFINITION_CHARS = 500;
/** Heading and definition names are capped so one odd line cannot bloat every heading_path. */
const MAX_NAME_CHARS = 200;
/** Definitions are recognised from the start of a line; the rest of a long (minified) line is ignored. */
const LINE_PREFIX_CHARS = 300;

interface Line {
  start: number;
  /** Offset after the last character, line break (\n or \r\n) excluded. */
  end: number;
}

interface Range {
  start: number;
  end: number;
}

/** Lines [from, to) sharing one heading_path. */
interface Section {
  from: number;
  to: number;
  path: string[];
}

interface Layout {
  sections: Section[];
  /** Lines inside fenced code: a blank line there does not end a block. */
  fenced?: Uint8Array;
}

export function chunkDocument(content: string, type: DocumentTypeName): Chunk[] {
  const lines = splitLines(content);
  const layout = layoutFor(content, lines, type);
  const chunks: Chunk[] = [];
  for (const section of layout.sections) {
    for (const range of packSection(content, lines, section, layout.fenced)) {
      const trimmed = trimRange(content, range);
      if (!trimmed) continue;
      const { start, end } = trimmed;
      chunks.push({
        index: chunks.length,
        start,
        end,
        heading_path: [...section.path],
        text: content.slice(start, end),
      });
    }
  }
  return chunks;
}

function layoutFor(content: string, lines: Line[], type: DocumentTypeName): Layout {
  switch (type) {
    case 'markdown':
    case 'documentation':
      return markdownLayout(content, lines);
    case 'code':
      return { sections: groupSmallDefinitions(lines, codeSections(content, lines)) };
    default:
      return { sections: [{ from: 0, to: lines.length, path: [] }] };
  }
}

function splitLines(content: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < content.length) {
    let next = content.indexOf('\n', start);
    if (next < 0) next = content.length;
    const end = next > start && content.charCodeAt(next - 1) === 13 ? next - 1 : next;
    lines.push({ start, end });
    start = next + 1;
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Packing: blocks (runs of non-blank lines) are merged up to the size limit; longer blocks are cut.

function packSection(content: string, lines: Line[], section: Section, fenced?: Uint8Array): Range[] {
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
function trimRange(content: string, range: Range): Range | null {
  let first = range.start;
  while (first < range.end && isSpace(content.charCodeAt(first))) first++;
  if (first === range.end) return null;
  let end = range.end;
  while (isSpace(content.charCodeAt(end - 1))) end--;
  let start = first;
  while (start > range.start && content.charCodeAt(start - 1) !== 10) start--;
  return { start, end };
}

function isBlank(content: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isSpace(content.charCodeAt(i))) return false;
  return true;
}

/** The same characters as the regex class \s. */
function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 160) return false;
  return (
    code === 160 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

function isSentenceEnd(code: number): boolean {
  return code === 46 || code === 33 || code === 63; // . ! ?
}

function cappedName(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_CHARS);
}

// ---------------------------------------------------------------------------------------------
// Markdown and documentation: sections start at ATX and setext headings outside fenced code.

interface Heading {
  level: number;
  title: string;
}

interface Fence {
  char: number;
  length: number;
}

function markdownLayout(content: string, lines: Line[]): Layout {
  const fenced = new Uint8Array(lines.length);
  const sections: Section[] = [];
  const stack: Heading[] = [];
  let from = 0;
  let path: string[] = [];
  const startSection = (line: number, heading: Heading) => {
    if (line > from) sections.push({ from, to: line, path });
    while (stack.length > 0 && stack[stack.length - 1]!.level >= heading.level) stack.pop();
    stack.push(heading);
    path = stack.map((h) => h.title);
    from = line;
  };

  let fence: Fence | undefined;
  let paragraph = -1; // first line of the paragraph that a setext underline would turn into a heading
  let inOtherBlock = false; // list item, quote, table …: an underline below it is not a heading
  for (let i = frontMatterEnd(content, lines); i < lines.length; i++) {
    const line = lines[i]!;
    if (fence) {
      fenced[i] = 1;
      if (closesFence(content, line, fence)) fence = undefined;
      continue;
    }
    const blank = isBlank(content, line.start, line.end);
    fence = blank ? undefined : openingFence(content, line);
    const atx = blank || fence ? undefined : atxHeading(content, line);
    const underline = blank || fence || atx ? 0 : setextLevel(content, line);
    if (fence) fenced[i] = 1;
    else if (atx) startSection(i, atx);
    else if (underline && paragraph >= 0) {
      startSection(paragraph, { level: underline, title: paragraphTitle(content, lines, paragraph, i) });
    } else if (!blank && !underline) {
      // Inside a paragraph or another block nothing changes; otherwise this line starts one.
      if (paragraph < 0 && !inOtherBlock) {
        if (startsParagraph(content, line)) paragraph = i;
        else inOtherBlock = true;
      }
      continue;
    }
    paragraph = -1;
    inOtherBlock = false;
  }
  sections.push({ from, to: lines.length, path });
  return { sections, fenced };
}

/** Index of the first line after YAML front matter (`---` … `---` or `...`), else 0. */
function frontMatterEnd(content: string, lines: Line[]): number {
  const first = lines[0];
  if (!first || content.slice(first.start, first.end) !== '---') return 0;
  for (let i = 1; i < lines.length; i++) {
    const text = content.slice(lines[i]!.start, lines[i]!.end).trimEnd();
    if (text === '---' || text === '...') return i + 1;
  }
  return 0;
}

/** Offset after at most three spaces of indentation, or -1 when the line is indented more. */
function afterIndent(content: string, line: Line): number {
  let i = line.start;
  while (i < line.end && i - line.start < 4 && content.charCodeAt(i) === 32) i++;
  return i - line.start > 3 ? -1 : i;
}

function runLength(content: string, from: number, end: number, char: number): number {
  let i = from;
  while (i < end && content.charCodeAt(i) === char) i++;
  return i - from;
}

function openingFence(content: string, line: Line): Fence | undefined {
  const at = afterIndent(content, line);
  if (at < 0) return undefined;
  const char = content.charCodeAt(at);
  if (char !== 96 && char !== 126) return undefined; // ` ~
  const length = runLength(content, at, line.end, char);
  if (length < 3) return undefined;
  // A backtick fence's info string may not contain a backtick (that would be inline code).
  if (char === 96 && content.slice(at + length, line.end).includes('`')) return undefined;
  return { char, length };
}

function closesFence(content: string, line: Line, fence: Fence): boolean {
  const at = afterIndent(content, line);
  if (at < 0) return false;
  const length = runLength(content, at, line.end, fence.char);
  return length >= fence.length && isBlank(content, at + length, line.end);
}

function atxHeading(content: string, line: Line): Heading | undefined {
  const at = afterIndent(content, line);
  if (at < 0) return undefined;
  const level = runLength(content, at, line.end, 35); // #
  if (level < 1 || level > 6) return undefined;
  const after = at + level;
  if (after < line.end && !isSpace(content.charCodeAt(after))) return undefined;
  let title = content.slice(after, line.end).trim();
  // An optional closing sequence of #s belongs to the syntax, not the title.
  let closing = title.length;
  while (closing > 0 && title.charCodeAt(closing - 1) === 35) closing--;
  if (closing === 0 || isSpace(title.charCodeAt(closing - 1))) title = title.slice(0, closing).trim();
  return { level, title: cappedName(title) };
}

/** 1 for a `===` underline, 2 for `---`, 0 otherwise. */
function setextLevel(content: string, line: Line): number {
  const at = afterIndent(content, line);
  if (at < 0) return 0;
  const char = content.charCodeAt(at);
  if (char !== 61 && char !== 45) return 0; // = -
  const length = runLength(content, at, line.end, char);
  if (!isBlank(content, at + length, line.end)) return 0;
  return char === 61 ? 1 : 2;
}

const INDENTED_CODE = /^(?: {4}|\t)/;
const LIST_QUOTE_TABLE_OR_HTML = /^ {0,3}(?:[>|<]|[-*+](?:\s|$)|\d{1,9}[.)](?:\s|$))/;

/** Plain paragraph text, as opposed to a list item, quote, table row, HTML block or indented code. */
function startsParagraph(content: string, line: Line): boolean {
  // Every marker lies within the first 16 characters.
  const prefix = content.slice(line.start, Math.min(line.end, line.start + 16));
  return !INDENTED_CODE.test(prefix) && !LIST_QUOTE_TABLE_OR_HTML.test(prefix);
}

/** A setext heading's title is its whole paragraph; only the first MAX_NAME_CHARS are read. */
function paragraphTitle(content: string, lines: Line[], from: number, to: number): string {
  let title = '';
  for (let i = from; i < to && title.length < MAX_NAME_CHARS; i++) {
    title += ` ${content.slice(lines[i]!.start, Math.min(lines[i]!.end, lines[i]!.start + MAX_NAME_CHARS))}`;
  }
  return cappedName(title);
}

// ---------------------------------------------------------------------------------------------
// Code: sections start at top-level definitions, recognised by line patterns at column 0 (no parser):
// TypeScript/JavaScript, Python, Rust and Go. Comments, decorators (@…) and attributes (#[…]) directly
// above a definition belong to it.

const MODIFIERS = String.raw`(?:(?:export|default|declare|abstract|async|const|unsafe|extern(?:\s+"[^"]*")?|pub(?:\([^)]*\))?)\s+)*`;
/** function, class, interface, type, enum, namespace (TS/JS); def, class (Python); fn, struct, … (Rust); type (Go). */
const DECLARATION = new RegExp(
  `^${MODIFIERS}(function|class|interface|type|enum|namespace|def|fn|struct|trait|mod|union)(?:\\s*\\*\\s*|\\s+)([A-Za-z_$][\\w$]*)`,
);
/** `const handler = (…) =>`, `let f = async x =>`, `var g = function` at column 0. */
const FUNCTION_BINDING =
  /^(?:export\s+)?(const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]*)?=\s*(?:async\b\s*)?(?:\(|<|function\b|[A-Za-z_$][\w$]*\s*=>)/;
const EXPORTED_BINDING = /^export\s+(?:declare\s+)?(const|let|var)\s+([A-Za-z_$][\w$]*)/;
const EXPORT_DEFAULT = /^export\s+default\b/;
const GO_FUNC = /^func\b\s*(\([^)]*\)\s*)?([A-Za-z_]\w*)/;
const RUST_IMPL = /^(?:unsafe\s+)?impl\b([^{]*)/;

/** `kind name` for a line that starts a top-level definition, e.g. `class TaskStore`, `fn parse`. */
function definitionName(text: string): string | undefined {
  let m = DECLARATION.exec(text);
  if (m) return `${m[1]} ${m[2]}`;
  m = FUNCTION_BINDING.exec(text) ?? EXPORTED_BINDING.exec(text);
  if (m) return `${m[1]} ${m[2]}`;
  if (EXPORT_DEFAULT.test(text)) return 'export default';
  m = GO_FUNC.exec(text);
  if (m) return cappedName(`func ${m[1] ?? ''}${m[2]}`);
  m = RUST_IMPL.exec(text);
  if (m) return cappedName(`impl${m[1]!.split(' where ')[0]}`);
  return undefined;
}

function codeSections(content: string, lines: Line[]): Section[] {
  const sections: Section[] = [];
  let from = 0;
  let path: string[] = [];
  let lead = -1; // first line of the comments/decorators directly above the current line
  let brackets = 0; // still-open brackets of a multi-line decorator or attribute
  let inComment = false; // inside a /* … */ comment that started a lead
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const text = content.slice(line.start, Math.min(line.end, line.start + LINE_PREFIX_CHARS));
    if (inComment) {
      inComment = !text.includes('*/');
      continue;
    }
    // A multi-line decorator continues on indented lines and lines that close its brackets.
    if (brackets > 0 && /^[\s)\]}]/.test(text)) {
      brackets += bracketBalance(text);
      continue;
    }
    brackets = 0;
    const name = definitionName(text);
    if (name) {
      const start = lead >= 0 ? lead : i;
      if (start > from) sections.push({ from, to: start, path });
      from = start;
      path = [name];
      lead = -1;
    } else if (isCommentStart(text) || isDecorator(text)) {
      if (lead < 0) lead = i;
      if (isDecorator(text)) brackets = bracketBalance(text);
      inComment = text.startsWith('/*') && !text.includes('*/', 2);
    } else {
      lead = -1;
    }
  }
  if (lines.length > 0) sections.push({ from, to: lines.length, path });
  return sections;
}

function isCommentStart(text: string): boolean {
  // `#!` is a shebang or a Rust inner attribute: it belongs to the file, not to the next definition.
  return text.startsWith('//') || text.startsWith('/*') || (text.startsWith('#') && !text.startsWith('#!'));
}

function isDecorator(text: string): boolean {
  return text.startsWith('@') || text.startsWith('#[');
}

function bracketBalance(text: string): number {
  let balance = 0;
  for (const char of text) {
    if (char === '(' || char === '[' || char === '{') balance++;
    else if (char === ')' || char === ']' || char === '}') balance--;
  }
  return balance;
}

/** Runs of adjacent small definitions share one chunk (up to the size limit) instead of one each. */
function groupSmallDefinitions(lines: Line[], sections: Section[]): Section[] {
  const grouped: Section[] = [];
  let current: Section | undefined;
  let currentSmall = false;
  for (const section of sections) {
    const small = sectionSize(lines, section, section) < SMALL_DEFINITION_CHARS;
    if (current && currentSmall && small && sectionSize(lines, current, section) <= MAX_CHUNK_CHARS) {
      current.to = section.to;
      current.path.push(...section.path);
      continue;
    }
    if (current) grouped.push(current);
    current = { from: section.from, to: section.to, path: [...section.path] };
    currentSmall = small;
  }
  if (current) grouped.push(current);
  return grouped;
}

/** Characters from the start of `first` to the end of `last`. */
function sectionSize(lines: Line[], first: Section, last: Section): number {
  return lines[last.to - 1]!.end - lines[first.from]!.start;
}
