import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { discover } from '../manager/index.js';
import { dataDir, detectWorkspace, sqlitePath } from '../runtime/workspace.js';

export const BACKUP_USAGE = `Usage: bindery backup <file> [--workspace DIR]

Copies the workspace's SQLite database to <file>, consistently, while the server runs (SQLite's online
backup), then checks the copy (PRAGMA integrity_check). <file> must not exist yet. With
BINDERY_DATABASE_URL (PostgreSQL) it prints the pg_dump command to run instead.`;

export const RESTORE_USAGE = `Usage: bindery restore <file> [--workspace DIR]

Puts a "bindery backup" file in place of the workspace's SQLite database. Refused while a server holds the
workspace (stop it first). The database it replaces is kept beside it as tasks.db.replaced-<time>.`;

function parse(args: string[], usage: string): { file: string; workspace: string } | null {
  const { values, positionals } = parseArgs({
    args,
    options: { workspace: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return null;
  }
  if (positionals.length !== 1)
    throw Object.assign(new Error('Name one file.'), { code: 'ERR_PARSE_ARGS_USAGE' });
  return {
    file: positionals[0]!,
    workspace: detectWorkspace(
      process.cwd(),
      values.workspace ?? (process.env.BINDERY_WORKSPACE || undefined),
    ),
  };
}

/** `PRAGMA integrity_check` of a database file; throws with SQLite's findings unless it says ok. */
function verify(file: string): void {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const findings = rows.map((row) => row.integrity_check);
    if (findings.join() !== 'ok')
      throw new Error(`${file} fails its integrity check: ${findings.slice(0, 5).join('; ')}`);
  } finally {
    db.close();
  }
}

export async function backupCommand(args: string[]): Promise<void> {
  const parsed = parse(args, BACKUP_USAGE);
  if (!parsed) return;
  const { file, workspace } = parsed;
  const databaseUrl = process.env.BINDERY_DATABASE_URL;
  if (databaseUrl) {
    // pg_dump takes the URL as it is; the password stays in the environment the user already has.
    process.stdout.write(
      `This workspace uses PostgreSQL; back it up with pg_dump:\n  pg_dump --format=custom --file '${file}' "$BINDERY_DATABASE_URL"\n`,
    );
    process.exitCode = 1;
    return;
  }
  const source = sqlitePath(workspace);
  if (!existsSync(source)) throw new Error(`No database to back up at ${source}.`);
  if (existsSync(file)) throw new Error(`${file} exists already; name a new file.`);
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    // The online backup copies pages in steps and restarts a step that a concurrent write changed, so the
    // copy is one consistent state that includes every transaction committed before it finished.
    const { totalPages } = await db.backup(file);
    verify(file);
    process.stdout.write(`Backed up ${source} to ${file} (${totalPages} pages, integrity ok).\n`);
  } finally {
    db.close();
  }
}

export async function restoreCommand(args: string[]): Promise<void> {
  const parsed = parse(args, RESTORE_USAGE);
  if (!parsed) return;
  const { file, workspace } = parsed;
  const found = await discover(workspace, false);
  if (found.state !== 'absent') {
    throw new Error(
      `A Bindery server (pid ${found.info.pid}) holds ${workspace}; stop it before restoring (bindery status shows it).`,
    );
  }
  verify(file);
  const target = sqlitePath(workspace);
  mkdirSync(dataDir(workspace), { recursive: true });
  let keptAs: string | null = null;
  if (existsSync(target)) {
    keptAs = `${target}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(target, keptAs);
    // The old database's write-ahead log belongs to it, never to the restored file.
    for (const suffix of ['-wal', '-shm'])
      if (existsSync(target + suffix)) renameSync(target + suffix, keptAs + suffix);
  }
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    await db.backup(target);
  } finally {
    db.close();
  }
  verify(target);
  process.stdout.write(
    `Restored ${file} to ${target}${keptAs ? `; the replaced database is ${keptAs}` : ''}.\n`,
  );
}
