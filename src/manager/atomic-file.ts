import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../store/private-files.js';

let counter = 0;

/** Write-then-rename, so a reader sees the old file or the whole new one, never half of it. */
export function writeJsonAtomic(path: string, value: unknown): void {
  ensurePrivateDir(dirname(path));
  const temp = `${path}.${process.pid}.${++counter}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  renameSync(temp, path);
}

/** The parsed JSON object in a file, or null when it is missing or unreadable. */
export function readJson(path: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
