import { MAX_CHUNK_CHARS } from './pack.js';
import { cappedName, type Layout, type Line, type Section } from './text.js';

// Code: sections start at top-level definitions, recognised by line patterns at column 0 (no parser):
// TypeScript/JavaScript, Python, Rust and Go. Comments, decorators (@…) and attributes (#[…]) directly
// above a definition belong to it.

/** Code definitions shorter than this are grouped with small neighbours instead of standing alone. */
const SMALL_DEFINITION_CHARS = 500;
/** Definitions are recognised from the start of a line; the rest of a long (minified) line is ignored. */
const LINE_PREFIX_CHARS = 300;

export function codeLayout(content: string, lines: Line[]): Layout {
  return { sections: groupSmallDefinitions(lines, codeSections(content, lines)) };
}

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
