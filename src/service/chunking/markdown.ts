import {
  cappedName,
  isBlank,
  isSpace,
  type Layout,
  type Line,
  MAX_NAME_CHARS,
  type Section,
} from './text.js';

// Markdown and documentation: sections start at ATX and setext headings outside fenced code.

interface Heading {
  level: number;
  title: string;
}

interface Fence {
  char: number;
  length: number;
}

export function markdownLayout(content: string, lines: Line[]): Layout {
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

// Code: sections start at top-level definitions, recognised by line patterns at column 0 (no parser):
