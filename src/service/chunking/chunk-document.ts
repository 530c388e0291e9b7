import type { DOCUMENT_TYPES } from '../../contract/document.js';
import { codeLayout } from './code.js';
import { markdownLayout } from './markdown.js';
import { packSection, trimRange } from './pack.js';
import { type Layout, type Line, splitLines } from './text.js';

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

export { CHUNK_OVERLAP, MAX_CHUNK_CHARS } from './pack.js';

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
      return codeLayout(content, lines);
    default:
      return { sections: [{ from: 0, to: lines.length, path: [] }] };
  }
}
