import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { TaskLink, TransferCounts, TransferRecord, TransferStore } from '../store/types.js';
import { progressBar } from './progress.js';
import { parseHeader, parseRecord, RECORD_KINDS } from './transfer-format.js';
import { openTransferStore } from './transfer-store.js';

export const IMPORT_USAGE = `Usage: bindery import [--workspace DIR] [--database-url URL] [--input FILE]

Reads a "bindery export" file (stdin, or FILE) into an empty store, keeping every id, timestamp and
version. The store is chosen as for "bindery serve": --database-url or BINDERY_DATABASE_URL selects
PostgreSQL, else the workspace's SQLite file. Entities are written in batches, one transaction each;
at the end the store's counts must equal the file's, or the command fails.
A progress bar goes to stderr when it is a terminal.`;

/** A batch is written when it holds this many entities or this much JSON, whichever comes first. */
const BATCH_RECORDS = 500;
const BATCH_CHARS = 8 * 1024 * 1024;
const LINK_BATCH = 1000;

export async function importCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      workspace: { type: 'string' },
      'database-url': { type: 'string' },
      input: { type: 'string', short: 'i' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${IMPORT_USAGE}\n`);
    return;
  }
  const store = await openTransferStore(values, { mustExist: false });
  try {
    const held = await store.countEntities();
    if (Object.values(held).some((n) => n > 0)) {
      throw new Error(`The target store is not empty (${describe(held)}); import only into an empty store.`);
    }
    const input = values.input ? createReadStream(values.input) : process.stdin;
    const started = performance.now();
    const counts = await replay(store, createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }));
    process.stderr.write(
      `bindery: imported ${describe(counts)} in ${Math.round(performance.now() - started)} ms\n`,
    );
  } finally {
    await store.close();
  }
}

/** Streams the file into the store batch by batch, then sets deferred links and checks every count. */
async function replay(store: TransferStore, lines: AsyncIterable<string>): Promise<TransferCounts> {
  let header: TransferCounts | undefined;
  let progress = progressBar('import', 0);
  const seen = { project: 0, task: 0, execution: 0, note: 0, document: 0 };
  const deferred: TaskLink[] = [];
  let batch: TransferRecord[] = [];
  let chars = 0;
  let lineNumber = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    try {
      deferred.push(...(await store.importEntities(batch)));
    } catch (error) {
      throw new Error(
        `Writing the entities before line ${lineNumber} failed: ${(error as Error).message} ` +
          'The store now holds a partial import: empty it before trying again.',
        { cause: error },
      );
    }
    progress.advance(batch.length);
    batch = [];
    chars = 0;
  };
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    if (!header) {
      header = parseHeader(line).counts;
      const { project, task, execution, note, document } = header;
      progress = progressBar('import', project + task + execution + note + document);
      continue;
    }
    const record = parseRecord(line, lineNumber);
    seen[record.kind]++;
    batch.push(record);
    chars += line.length;
    if (batch.length >= BATCH_RECORDS || chars >= BATCH_CHARS) await flush();
  }
  await flush();
  progress.finish();
  if (!header) throw new Error('The input is empty: expected a bindery export.');
  for (let i = 0; i < deferred.length; i += LINK_BATCH)
    await store.importLinks(deferred.slice(i, i + LINK_BATCH));
  for (const kind of RECORD_KINDS) {
    if (seen[kind] !== header[kind]) {
      throw new Error(
        `The file announces ${header[kind]} ${kind} lines but holds ${seen[kind]}: is it truncated?`,
      );
    }
  }
  await store.compactAfterImport();
  const stored = await store.countEntities();
  const wrong = (Object.keys(header) as (keyof TransferCounts)[]).filter((k) => stored[k] !== header[k]);
  if (wrong.length) {
    throw new Error(
      `After the import the store holds ${describe(stored)}, but the file has ${describe(header)}.`,
    );
  }
  return stored;
}

const PLURALS: Record<keyof TransferCounts, string> = {
  project: 'projects',
  task: 'tasks',
  dependency: 'dependencies',
  execution: 'executions',
  note: 'notes',
  document: 'documents',
  chunk: 'chunks',
};

function describe(counts: TransferCounts): string {
  return (Object.keys(PLURALS) as (keyof TransferCounts)[])
    .map((k) => `${counts[k]} ${PLURALS[k]}`)
    .join(', ');
}
