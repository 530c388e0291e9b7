/** Lines, ranges and characters: the vocabulary every chunking layout works in. */

/** Heading and definition names are capped so one odd line cannot bloat every heading_path. */
export const MAX_NAME_CHARS = 200;

export interface Line {
  start: number;
  /** Offset after the last character, line break (\n or \r\n) excluded. */
  end: number;
}

export interface Range {
  start: number;
  end: number;
}

/** Lines [from, to) sharing one heading_path. */
export interface Section {
  from: number;
  to: number;
  path: string[];
}

export interface Layout {
  sections: Section[];
  /** Lines inside fenced code: a blank line there does not end a block. */
  fenced?: Uint8Array;
}

export function splitLines(content: string): Line[] {
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

export function isBlank(content: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isSpace(content.charCodeAt(i))) return false;
  return true;
}

/** The same characters as the regex class \s. */
export function isSpace(code: number): boolean {
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

export function isSentenceEnd(code: number): boolean {
  return code === 46 || code === 33 || code === 63; // . ! ?
}

export function cappedName(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_CHARS);
}
