import { describe, expect, it } from 'vitest';
import {
  CHUNK_OVERLAP,
  type Chunk,
  chunkDocument,
  type DocumentTypeName,
  MAX_CHUNK_CHARS,
} from '../../src/service/chunking/chunk-document.js';

/** Checks every promise chunkDocument makes, whatever the input (plain checks: inputs have ~100k chunks). */
function expectInvariants(content: string, chunks: Chunk[]): void {
  expect(invariantViolations(content, chunks)).toEqual([]);
}

function invariantViolations(content: string, chunks: Chunk[]): string[] {
  const problems: string[] = [];
  const covered = new Uint8Array(content.length);
  chunks.forEach((chunk, i) => {
    const fail = (what: string) => problems.push(`chunk ${i} [${chunk.start}, ${chunk.end}): ${what}`);
    if (chunk.index !== i) fail(`index ${chunk.index}`);
    if (chunk.text !== content.slice(chunk.start, chunk.end)) fail('text is not content.slice(start, end)');
    if (chunk.text.length > MAX_CHUNK_CHARS) fail(`${chunk.text.length} chars`);
    if (!/\S/.test(chunk.text)) fail('blank');
    if (isLowSurrogate(chunk.text.charCodeAt(0))) fail('starts inside a surrogate pair');
    if (isHighSurrogate(chunk.text.charCodeAt(chunk.text.length - 1))) fail('ends inside a surrogate pair');
    const previous = chunks[i - 1];
    if (previous) {
      if (chunk.start <= previous.start || chunk.end <= previous.end) fail('out of order');
      // Overlap only where a block was cut: small, and under the same heading.
      if (chunk.start < previous.end && previous.end - chunk.start > CHUNK_OVERLAP) fail('overlap too large');
      if (chunk.start < previous.end && chunk.heading_path.join('/') !== previous.heading_path.join('/')) {
        fail('overlaps a chunk under another heading');
      }
    }
    covered.fill(1, chunk.start, chunk.end);
  });
  let gapStart = -1;
  for (let i = 0; i <= content.length; i++) {
    if (i < content.length && !covered[i]) {
      if (gapStart < 0) gapStart = i;
    } else if (gapStart >= 0) {
      if (/\S/.test(content.slice(gapStart, i))) problems.push(`uncovered text at ${gapStart}`);
      gapStart = -1;
    }
  }
  return problems;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function chunk(content: string, type: DocumentTypeName): Chunk[] {
  const chunks = chunkDocument(content, type);
  expectInvariants(content, chunks);
  return chunks;
}

function paths(chunks: Chunk[]): string[][] {
  return chunks.map((c) => c.heading_path);
}

/** A body long enough (> 500 chars) that a definition gets a chunk of its own. */
function body(line: (i: number) => string, lines = 20): string {
  return Array.from({ length: lines }, (_, i) => line(i)).join('\n');
}

const sentence = (i: number) => `Sentence number ${i} says something about the topic at hand. `;

describe('chunkDocument: basics', () => {
  it('returns no chunks for empty or whitespace-only content', () => {
    for (const type of ['text', 'code', 'markdown'] as const) {
      expect(chunkDocument('', type)).toEqual([]);
      expect(chunkDocument(' \n\t\r\n  \n', type)).toEqual([]);
    }
  });

  it('returns one chunk for a short text, trimmed of surrounding blank lines', () => {
    const content = '\n\n  Hello world.\nSecond line.  \n\n';
    const chunks = chunk(content, 'text');
    expect(chunks).toEqual([
      { index: 0, start: 2, end: 29, heading_path: [], text: '  Hello world.\nSecond line.' },
    ]);
  });
});

describe('chunkDocument: markdown', () => {
  it('splits at headings and records nested heading paths', () => {
    const content = [
      'Intro before any heading.',
      '',
      '# Install',
      'Install text.',
      '',
      '## From source',
      'Clone the repo.',
      '',
      '### Linux ###',
      'apt-get install.',
      '',
      '## From npm',
      'npm install.',
      '',
      '# Usage',
      '#hashtag is not a heading',
      '    # indented code is not a heading',
    ].join('\n');
    const chunks = chunk(content, 'markdown');
    expect(paths(chunks)).toEqual([
      [],
      ['Install'],
      ['Install', 'From source'],
      ['Install', 'From source', 'Linux'],
      ['Install', 'From npm'],
      ['Usage'],
    ]);
    expect(chunks[0]!.text).toBe('Intro before any heading.');
    expect(chunks[2]!.text).toBe('## From source\nClone the repo.');
    expect(chunks[5]!.text).toContain('#hashtag');
  });

  it('pops back to the right level when heading levels skip', () => {
    const content = '# A\na\n### C\nc\n## B\nb\n# D\nd';
    expect(paths(chunk(content, 'markdown'))).toEqual([['A'], ['A', 'C'], ['A', 'B'], ['D']]);
  });

  it('ignores heading-like lines inside fenced code blocks', () => {
    const content = [
      '# Build',
      '```bash',
      '# not a heading',
      '',
      '## also not',
      '```',
      '~~~',
      '# tilde fence',
      '~~~',
      '````md',
      '```',
      '# still inside the four-backtick fence',
      '````',
      '## Test',
      'run tests',
    ].join('\n');
    const chunks = chunk(content, 'markdown');
    expect(paths(chunks)).toEqual([['Build'], ['Build', 'Test']]);
    expect(chunks[0]!.text).toContain('# still inside the four-backtick fence');
  });

  it('keeps a fenced block with blank lines in one chunk when it fits', () => {
    const code = ['```', 'a()', '', 'b()', '', 'c()', '```'].join('\n');
    const content = `# Code\n\n${code}`;
    const chunks = chunk(content, 'markdown');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toContain(code);
  });

  it('recognises setext headings but not thematic breaks or front matter', () => {
    const content = [
      '---',
      'title: front matter',
      '---',
      '',
      'Title',
      '=====',
      '',
      'Body text.',
      '',
      '---',
      '',
      'After a break.',
      '',
      'Sub Section',
      '-----------',
      'More text.',
      '',
      '- list item',
      '---',
    ].join('\n');
    const chunks = chunk(content, 'markdown');
    expect(paths(chunks)).toEqual([[], ['Title'], ['Title', 'Sub Section']]);
    expect(chunks[0]!.text).toBe('---\ntitle: front matter\n---');
    expect(chunks[1]!.text.startsWith('Title\n=====')).toBe(true);
    expect(chunks[1]!.text).toContain('After a break.');
    expect(chunks[2]!.text).toContain('- list item\n---');
  });

  it('treats documentation like markdown', () => {
    const content = 'Guide\n=====\n\nIntro.\n\n## Setup\nSteps.';
    expect(paths(chunk(content, 'documentation'))).toEqual([['Guide'], ['Guide', 'Setup']]);
  });

  it('never merges small sections across headings', () => {
    const content = '# A\n\n## B\n\n## C\nc';
    const chunks = chunk(content, 'markdown');
    expect(chunks.map((c) => c.text)).toEqual(['# A', '## B', '## C\nc']);
  });

  it('splits a long section at paragraphs, every piece keeping the heading path', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => body((j) => sentence(i * 10 + j), 8));
    const content = `# Top\n## Long\n\n${paragraphs.join('\n\n')}`;
    const chunks = chunk(content, 'markdown');
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks[0]).toMatchObject({ text: '# Top', heading_path: ['Top'] });
    for (const c of chunks.slice(1)) expect(c.heading_path).toEqual(['Top', 'Long']);
    // Paragraphs fit, so every chunk after the heading begins at a paragraph and none overlap.
    for (const c of chunks.slice(2)) expect(paragraphs.some((p) => c.text.startsWith(p))).toBe(true);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBeGreaterThan(chunks[i - 1]!.end);
  });

  it('handles CRLF line endings', () => {
    const content =
      'Intro\r\n\r\n# One\r\ntext one\r\n\r\n## Two ##\r\ntext two\r\n\r\nSetext\r\n======\r\nend\r\n';
    const chunks = chunk(content, 'markdown');
    expect(paths(chunks)).toEqual([[], ['One'], ['One', 'Two'], ['Setext']]);
    for (const c of chunks) expect(c.text.endsWith('\r')).toBe(false);
    expect(chunks[1]!.text).toBe('# One\r\ntext one');
  });
});

describe('chunkDocument: code', () => {
  it('splits TypeScript at top-level definitions with their doc comments and decorators', () => {
    const stmt = (i: number) => `  const value${i} = compute(${i}, 'argument');`;
    const content = [
      "import { z } from 'zod';",
      "import type { Store } from './store.js';",
      '',
      '/**',
      ' * Parses a task.',
      ' */',
      'export function parseTask(input: string) {',
      body(stmt),
      '}',
      '',
      '@Injectable({',
      "  scope: 'singleton',",
      '})',
      'export class TaskStore {',
      body(stmt),
      '}',
      '',
      '// Handles one request.',
      'const handler = async (req: Request): Promise<void> => {',
      body(stmt),
      '};',
      '',
      'export interface Options {',
      body((i) => `  option${i}: string; // explains the option in a few words`),
      '}',
      '',
      'export default async function* generate() {',
      body(stmt),
      '}',
    ].join('\n');
    const chunks = chunk(content, 'code');
    expect(paths(chunks)).toEqual([
      [],
      ['function parseTask'],
      ['class TaskStore'],
      ['const handler'],
      ['interface Options'],
      ['function generate'],
    ]);
    expect(chunks[0]!.text).toBe("import { z } from 'zod';\nimport type { Store } from './store.js';");
    expect(chunks[1]!.text.startsWith('/**\n * Parses a task.\n */\nexport function parseTask')).toBe(true);
    expect(
      chunks[2]!.text.startsWith("@Injectable({\n  scope: 'singleton',\n})\nexport class TaskStore {"),
    ).toBe(true);
    expect(chunks[3]!.text.startsWith('// Handles one request.\nconst handler')).toBe(true);
  });

  it('does not split at indented definitions or look-alike identifiers', () => {
    const content = [
      'class Outer {',
      '  method() {}',
      '  function inner() {}',
      '}',
      'classify(items);',
      'type(value);',
      'const settings = { a: 1 };',
      'export { Outer };',
    ].join('\n');
    expect(paths(chunk(content, 'code'))).toEqual([['class Outer']]);
  });

  it('merges runs of small definitions and names them all', () => {
    const content = Array.from({ length: 200 }, (_, i) => `export type Alias${i} = string;`).join('\n');
    const chunks = chunk(content, 'code');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(10);
    expect(chunks.flatMap((c) => c.heading_path)).toEqual(
      Array.from({ length: 200 }, (_, i) => `type Alias${i}`),
    );
  });

  it('keeps a large definition apart from small neighbours', () => {
    const small = 'type Id = string;\ntype Name = string;';
    const big = `function big() {\n${body((i) => `  step(${i}, 'a fairly long argument string');`)}\n}`;
    const chunks = chunk(`${small}\n\n${big}\n\nenum Colour { Red }`, 'code');
    expect(paths(chunks)).toEqual([['type Id', 'type Name'], ['function big'], ['enum Colour']]);
  });

  it('splits Python at def and class, attaching decorators and comments', () => {
    const stmt = (i: number) => `    value_${i} = compute(${i}, "argument")`;
    const content = [
      'import os',
      'from dataclasses import dataclass',
      '',
      '@dataclass(frozen=True)',
      'class Task:',
      '    """A task."""',
      body(stmt),
      '',
      '    def method(self):',
      '        return 1',
      '',
      '# Parses the input.',
      'def parse(text):',
      body(stmt),
      '',
      '@app.route(',
      '    "/tasks",',
      '    methods=["GET"],',
      ')',
      'async def list_tasks():',
      body(stmt),
      '',
      "if __name__ == '__main__':",
      '    parse("x")',
    ].join('\n');
    const chunks = chunk(content, 'code');
    expect(paths(chunks)).toEqual([[], ['class Task'], ['def parse'], ['def list_tasks']]);
    expect(chunks[1]!.text.startsWith('@dataclass(frozen=True)\nclass Task:')).toBe(true);
    expect(chunks[1]!.text).toContain('def method(self)');
    expect(chunks[2]!.text.startsWith('# Parses the input.\ndef parse(text):')).toBe(true);
    expect(chunks[3]!.text.startsWith('@app.route(\n    "/tasks",')).toBe(true);
    expect(chunks[3]!.text.endsWith('parse("x")')).toBe(true);
  });

  it('splits Rust at items, attaching doc comments and attributes', () => {
    const stmt = (i: number) => `    let value_${i} = compute(${i}, "argument");`;
    const content = [
      '#![allow(dead_code)]',
      'use std::fmt;',
      '',
      '/// A task.',
      '#[derive(Debug, Clone)]',
      'pub struct Task {',
      body((i) => `    pub field_${i}: String, // what the field means`),
      '}',
      '',
      'impl fmt::Display for Task {',
      body(stmt),
      '}',
      '',
      'impl<T: Clone> Store<T> where T: Send {',
      body(stmt),
      '}',
      '',
      '/// Parses text.',
      'pub(crate) async fn parse(text: &str) -> Task {',
      body(stmt),
      '}',
      '',
      '#[cfg(test)]',
      'mod tests {',
      body(stmt),
      '}',
    ].join('\n');
    const chunks = chunk(content, 'code');
    expect(paths(chunks)).toEqual([
      [],
      ['struct Task'],
      ['impl fmt::Display for Task'],
      ['impl<T: Clone> Store<T>'],
      ['fn parse'],
      ['mod tests'],
    ]);
    expect(chunks[0]!.text).toBe('#![allow(dead_code)]\nuse std::fmt;');
    expect(chunks[1]!.text.startsWith('/// A task.\n#[derive(Debug, Clone)]\npub struct Task {')).toBe(true);
    expect(chunks[4]!.text.startsWith('/// Parses text.\npub(crate) async fn parse')).toBe(true);
    expect(chunks[5]!.text.startsWith('#[cfg(test)]\nmod tests {')).toBe(true);
  });

  it('splits Go at func and type, including methods', () => {
    const stmt = (i: number) => `\tvalue${i} := compute(${i}, "argument")`;
    const content = [
      'package main',
      '',
      'import (',
      '\t"fmt"',
      ')',
      '',
      '// Store keeps tasks.',
      'type Store struct {',
      body((i) => `\tfield${i} string // what the field means here`),
      '}',
      '',
      'func (s *Store) Get(id string) string {',
      body(stmt),
      '}',
      '',
      'func main() {',
      body(stmt),
      '}',
    ].join('\n');
    const chunks = chunk(content, 'code');
    expect(paths(chunks)).toEqual([[], ['type Store'], ['func (s *Store) Get'], ['func main']]);
    expect(chunks[1]!.text.startsWith('// Store keeps tasks.\ntype Store struct {')).toBe(true);
  });

  it('does not attach a comment separated from the definition by a blank line', () => {
    const fn = `function f() {\n${body((i) => `  call(${i}, 'a fairly long argument string here');`)}\n}`;
    const content = `// file header\n\n${fn}`;
    const chunks = chunk(content, 'code');
    expect(chunks.map((c) => c.text)).toEqual(['// file header', fn]);
  });

  it('cuts an oversized definition at line breaks, keeping its name', () => {
    const content = `function huge() {\n${body((i) => `  call(${i}, 'a fairly long argument string');`, 200)}\n}`;
    const chunks = chunk(content, 'code');
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(c.heading_path).toEqual(['function huge']);
    for (const c of chunks.slice(0, -1)) expect(c.text.endsWith(');')).toBe(true);
  });
});

describe('chunkDocument: text, configuration and data', () => {
  it('merges consecutive paragraphs up to the size limit', () => {
    const paragraphs = Array.from({ length: 10 }, (_, i) => `Paragraph ${i}. ${'word '.repeat(57)}end.`);
    const content = paragraphs.join('\n\n');
    const chunks = chunk(content, 'text');
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.text).toBe(paragraphs.slice(0, 6).join('\n\n'));
    expect(chunks[1]!.text).toBe(paragraphs.slice(6).join('\n\n'));
    expect(paths(chunks)).toEqual([[], []]);
  });

  it('chunks configuration and data at blank lines too', () => {
    const section = (name: string) =>
      `[${name}]\n${body((i) => `key_${i} = "a value long enough to matter"`, 40)}`;
    const content = `${section('server')}\n\n${section('client')}`;
    const chunks = chunk(content, 'configuration');
    expect(chunks.map((c) => c.text.split('\n')[0])).toEqual(['[server]', '[client]']);
    expect(chunk('a,b\n1,2\n\n3,4', 'data')).toHaveLength(1);
  });

  it('cuts a long paragraph at sentence ends with an overlap', () => {
    const content = Array.from({ length: 100 }, (_, i) => sentence(i)).join('');
    const chunks = chunk(content, 'text');
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < chunks.length; i++) {
      const overlap = chunks[i - 1]!.end - chunks[i]!.start;
      expect(overlap).toBeGreaterThan(0);
      expect(overlap).toBeLessThanOrEqual(CHUNK_OVERLAP);
      expect(chunks[i - 1]!.text.endsWith('.')).toBe(true);
      // The overlap starts at a word, not in the middle of one.
      expect(content[chunks[i]!.start - 1]).toBe(' ');
    }
  });

  it('cuts at whitespace when there is no sentence end, and hard-cuts a run without any', () => {
    const words = 'lorem '.repeat(1000).trim();
    for (const c of chunk(words, 'text')) expect(c.text.endsWith('lorem')).toBe(true);
    const solid = 'x'.repeat(5000);
    const chunks = chunk(solid, 'text');
    expect(chunks.map((c) => [c.start, c.end])).toEqual([
      [0, 2000],
      [1800, 3800],
      [3600, 5000],
    ]);
  });

  it('never splits a surrogate pair', () => {
    for (const content of [`x${'😀'.repeat(3000)}`, '😀'.repeat(3000), `${'a😀 '.repeat(1500)}`]) {
      const chunks = chunk(content, 'text');
      expect(chunks.length).toBeGreaterThan(1);
    }
  });
});

describe('chunkDocument: large inputs', () => {
  const SIZE = 5 * 1024 * 1024;

  function repeatTo(unit: string): string {
    return unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
  }

  const cases: [string, DocumentTypeName, string][] = [
    [
      'markdown',
      'markdown',
      repeatTo(
        `# Title\n\nSome text here. ${sentence(1)}\n\n## Sub\n\n\`\`\`js\n# code\n\`\`\`\n\nSetext\n---\n\n- item\n`,
      ),
    ],
    ['markdown with one giant section', 'markdown', `# Only\n${repeatTo(`${sentence(2)}\n`)}`],
    ['markdown with an unclosed fence', 'markdown', `\`\`\`\n${repeatTo('# x\n\n')}`],
    [
      'code',
      'code',
      repeatTo(
        `/** Doc. */\nexport function f(a: number) {\n  return a + 1;\n}\n\n@dec(\n  1,\n)\nclass C {}\n\n`,
      ),
    ],
    ['text', 'text', repeatTo(`${sentence(3)}${sentence(4)}\n\n`)],
    ['one line without whitespace', 'text', repeatTo('abcdefghij')],
    ['one line of spaces and hashes', 'markdown', repeatTo('#  #  ')],
    ['only newlines and hashes', 'code', repeatTo('#\n')],
  ];

  it.each(cases)(
    'chunks 5 MB of %s quickly and correctly',
    (_name, type, content) => {
      const started = performance.now();
      const chunks = chunkDocument(content, type);
      const elapsed = performance.now() - started;
      // A guard against quadratic work (minutes at this size), not a speed goal: the index build is benchmarked.
      expect(elapsed).toBeLessThan(20_000);
      expect(chunks.length).toBeGreaterThan(SIZE / MAX_CHUNK_CHARS / 2);
      expectInvariants(content, chunks);
    },
    60_000,
  );
});
