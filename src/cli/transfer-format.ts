import { z } from 'zod';
import { Document, Execution, Note, Project, Task } from '../contract/index.js';
import type { TransferCounts, TransferRecord } from '../store/types.js';

/**
 * The `bindery export` file: JSON Lines. The first line is the header with the count of every entity
 * kind; each further line is one entity `{"kind", "data"}`, data exactly as the API shows it (minus what
 * is derived: project counts, task children). Keys are written in schema order, so two exports of equal
 * data are equal byte for byte, whichever store they came from.
 */
export const FORMAT = 'bindery-export';
export const FORMAT_VERSION = 1;

export const RECORD_SCHEMAS = {
  project: Project.omit({ task_count: true, open_task_count: true }),
  task: Task.omit({ children: true, blocked_by: true }),
  execution: Execution.omit({ lease_expires_at: true }),
  note: Note,
  document: Document,
} as const;

export type RecordKind = keyof typeof RECORD_SCHEMAS;
export const RECORD_KINDS = Object.keys(RECORD_SCHEMAS) as RecordKind[];

const count = z.number().int().min(0);
export const Header = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(FORMAT_VERSION),
  counts: z.strictObject({
    project: count,
    task: count,
    dependency: count,
    execution: count,
    note: count,
    document: count,
    chunk: count,
  }),
});

export function headerLine(counts: TransferCounts): string {
  return JSON.stringify({
    format: FORMAT,
    version: FORMAT_VERSION,
    counts: ordered(Header.shape.counts, counts),
  });
}

export function recordLine(record: TransferRecord): string {
  const data =
    record.kind === 'document'
      ? { ...ordered(RECORD_SCHEMAS.document, record.data), chunks: record.data.chunks.map(chunkOrdered) }
      : ordered(RECORD_SCHEMAS[record.kind], record.data);
  return JSON.stringify({ kind: record.kind, data });
}

/** Entity lines of the file checked against the contract; the error names the line and the field. */
export function parseRecord(line: string, lineNumber: number): TransferRecord {
  const value = parseJson(line, lineNumber) as { kind?: unknown; data?: unknown };
  const kind = value?.kind;
  if (typeof kind !== 'string' || !(kind in RECORD_SCHEMAS)) {
    throw new Error(`line ${lineNumber}: "kind" must be one of ${RECORD_KINDS.join(', ')}.`);
  }
  const parsed = RECORD_SCHEMAS[kind as RecordKind].safeParse(value.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`line ${lineNumber}: ${kind}.${issue.path.join('.')}: ${issue.message}`);
  }
  return { kind, data: parsed.data } as TransferRecord;
}

export function parseHeader(line: string): z.infer<typeof Header> {
  const parsed = Header.safeParse(parseJson(line, 1));
  if (!parsed.success) {
    throw new Error(
      `line 1 is not a ${FORMAT} header (version ${FORMAT_VERSION}): is this a bindery export?`,
    );
  }
  return parsed.data;
}

function parseJson(line: string, lineNumber: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`line ${lineNumber} is not valid JSON.`);
  }
}

/** The fields of `schema` in its order (the stores may build their objects in any order). */
function ordered(schema: z.ZodObject, data: object): Record<string, unknown> {
  const source = data as Record<string, unknown>;
  return Object.fromEntries(Object.keys(schema.shape).map((key) => [key, source[key]]));
}

function chunkOrdered(chunk: Document['chunks'][number]) {
  return { index: chunk.index, start: chunk.start, end: chunk.end, heading_path: chunk.heading_path };
}
