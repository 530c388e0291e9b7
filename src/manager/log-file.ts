import { closeSync, copyFileSync, openSync, readSync, renameSync, statSync, truncateSync } from 'node:fs';

export const LOG_MAX_BYTES = 10 * 1024 * 1024;
export const LOG_KEEP = 3;

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * server.log → server.log.1 → … → server.log.<keep> once it reaches `maxBytes`. Copy-then-truncate
 * rather than rename: the running server keeps writing through its O_APPEND descriptor, which then
 * continues at the start of the emptied file.
 */
export function rotateLog(path: string, maxBytes = LOG_MAX_BYTES, keep = LOG_KEEP): boolean {
  if (size(path) < maxBytes) return false;
  for (let i = keep - 1; i >= 1; i--) {
    try {
      renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    } catch {
      // that generation does not exist yet
    }
  }
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  return true;
}

export function logSize(path: string): number {
  return size(path);
}

/** The last `count` lines written at or after byte `from`, each cut to a readable length. */
export function tailLines(path: string, from: number, count = 15): string[] {
  let text = '';
  try {
    const fd = openSync(path, 'r');
    try {
      const start = Math.max(from, size(path) - 64 * 1024);
      const buffer = Buffer.alloc(Math.max(0, size(path) - start));
      readSync(fd, buffer, 0, buffer.length, start);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line));
}
