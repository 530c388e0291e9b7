import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { progressBar } from './progress.js';
import { headerLine, recordLine } from './transfer-format.js';
import { openTransferStore } from './transfer-store.js';

export const EXPORT_USAGE = `Usage: bindery export [--workspace DIR] [--database-url URL] [--output FILE]

Writes every project, task, execution, note and document of the store as JSON Lines, from one consistent
snapshot, to stdout (or FILE). The store is chosen as for "bindery serve": --database-url or
BINDERY_DATABASE_URL selects PostgreSQL, else the workspace's SQLite file. "bindery import" reads the
file back into an empty store of either kind: this is the backup and the way between stores.
A progress bar goes to stderr when it is a terminal.`;

export async function exportCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      workspace: { type: 'string' },
      'database-url': { type: 'string' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${EXPORT_USAGE}\n`);
    return;
  }
  const store = await openTransferStore(values, { mustExist: true });
  const out = values.output ? createWriteStream(values.output) : process.stdout;
  try {
    let progress = progressBar('export', 0);
    for await (const item of store.exportEntities()) {
      if (item.kind === 'counts') {
        const { project, task, execution, note, document } = item.counts;
        progress = progressBar('export', project + task + execution + note + document);
        await write(out, headerLine(item.counts));
      } else {
        await write(out, recordLine(item));
        progress.advance();
      }
    }
    progress.finish();
  } finally {
    await store.close();
    if (out !== process.stdout) {
      out.end();
      await once(out, 'close');
    }
  }
}

/** One line, waiting when the reader is slower than the store (the export streams, it never buffers). */
async function write(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}
