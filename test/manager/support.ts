import { afterEach } from 'vitest';
import { readServerFile } from '../../src/manager/index.js';
import { isAlive } from '../../src/manager/process.js';
import { tempWorkspace } from '../helpers/workspace.js';

/** Short lifetimes so lifetime tests finish in seconds; the launched server inherits them. */
export const FAST = { BINDERY_IDLE_GRACE_S: '1', BINDERY_LEASE_REFRESH_S: '0.5', BINDERY_LOG_LEVEL: 'info' };

export const fastEnv = (extra: Record<string, string> = {}) => ({ ...process.env, ...FAST, ...extra });

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function onCleanup(cleanup: () => void | Promise<void>): void {
  cleanups.push(cleanup);
}

/** A temp workspace whose backend (if any is left) is killed and whose files are removed after the test. */
export function workspace(): string {
  const ws = tempWorkspace('bindery-manager-');
  const seen = new Set<number>();
  const track = setInterval(() => {
    const pid = readServerFile(ws.dir)?.pid;
    if (pid) seen.add(pid);
  }, 50);
  onCleanup(() => {
    clearInterval(track);
    const pid = readServerFile(ws.dir)?.pid;
    if (pid) seen.add(pid);
    for (const p of seen) if (p !== process.pid && isAlive(p)) process.kill(p, 'SIGKILL');
    ws.remove();
  });
  return ws.dir;
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}
