import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/** Owner-only modes: a workspace's data and runtime files are nobody else's business on a shared machine. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) owner-only, and narrows it to 0700 when it already exists, so a
 * `.vespera/` made by an earlier release (0755) is closed on the next start. A directory owned by
 * someone else keeps its mode: chmod is refused, and that is theirs to decide.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  narrow(dir, PRIVATE_DIR_MODE);
}

/**
 * Makes sure `path` exists as an owner-only file before a library opens it (SQLite gives its -wal and
 * -shm files the mode of the database file), and narrows an existing one and its `siblings` to 0600.
 */
export function ensurePrivateFile(path: string, siblings: readonly string[] = []): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  for (const file of [path, ...siblings]) if (existsSync(file)) narrow(file, PRIVATE_FILE_MODE);
}

function narrow(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch {
    // not ours to change (another owner, a read-only mount): left as it is
  }
}
