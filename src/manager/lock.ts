import { randomUUID } from 'node:crypto';
import { closeSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../store/private-files.js';
import { readJson } from './atomic-file.js';
import { isAlive } from './process.js';

/** A file created with O_EXCL: whoever created it holds the lock until it deletes the file. */
export interface Lock {
  release(): void;
}

/** A lock file still empty after this long was left by a process that died between open and write. */
const UNWRITTEN_STALE_MS = 5_000;

export function tryLock(path: string): Lock | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    const token = randomUUID();
    try {
      ensurePrivateDir(dirname(path));
      const fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, token, acquired_at: new Date().toISOString() }));
      } finally {
        closeSync(fd);
      }
      return { release: () => removeIfOwned(path, token) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!breakIfStale(path)) return null;
  }
  return null;
}

/** Waits for the lock, polling; a holder that died (kill -9 mid-launch) does not block anyone. */
export async function acquireLock(path: string, timeoutMs = 60_000): Promise<Lock> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lock = tryLock(path);
    if (lock) return lock;
    if (Date.now() >= deadline) {
      const holder = readJson(path)?.pid ?? 'unknown';
      throw new Error(
        `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${path} (held by pid ${holder}); ` +
          'if no bindery process is running, delete that file.',
      );
    }
    await sleep(25 + Math.random() * 50);
  }
}

function breakIfStale(path: string): boolean {
  const holder = readJson(path);
  const stale =
    holder && typeof holder.pid === 'number' ? !isAlive(holder.pid) : ageMs(path) > UNWRITTEN_STALE_MS;
  if (!stale) return false;
  // Re-read right before deleting so a lock taken meanwhile by a live process survives.
  if (readJson(path)?.token !== holder?.token) return false;
  removeFile(path);
  return true;
}

function removeIfOwned(path: string, token: string): void {
  if (readJson(path)?.token === token) removeFile(path);
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}
