import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { managerPaths } from '../runtime/workspace.js';
import { readJson, writeJsonAtomic } from './atomic-file.js';
import { isAlive } from './process.js';

/** A lease not renewed for this many refresh intervals counts as abandoned (frozen process, reused pid). */
const MISSED_REFRESHES = 3;

let leaseCounter = 0;

/**
 * An MCP process's claim on the backend: `<workspace>/.vespera/clients/<pid>-<n>.json`, rewritten every
 * refresh interval. The server counts live leases; it never depends on a client saying goodbye, so a
 * client killed with -9 simply stops counting.
 */
export class Lease {
  readonly path: string;
  readonly #refreshMs: number;
  readonly #startedAt = new Date().toISOString();
  #timer: NodeJS.Timeout | undefined;
  readonly #onExit = () => this.release();

  constructor(workspace: string, refreshMs: number) {
    this.path = join(managerPaths(workspace).clientsDir, `${process.pid}-${++leaseCounter}.json`);
    this.#refreshMs = refreshMs;
  }

  start(): void {
    this.#write();
    this.#timer = setInterval(() => this.#write(), this.#refreshMs);
    this.#timer.unref();
    process.once('exit', this.#onExit);
  }

  release(): void {
    clearInterval(this.#timer);
    process.off('exit', this.#onExit);
    try {
      unlinkSync(this.path);
    } catch {
      // never written or already pruned
    }
  }

  #write(): void {
    writeJsonAtomic(this.path, {
      pid: process.pid,
      refresh_ms: this.#refreshMs,
      started_at: this.#startedAt,
      refreshed_at: new Date().toISOString(),
    });
  }
}

/** Counts leases held by live, recently refreshed processes; deletes those of dead processes. */
export function liveLeases(workspace: string, now = Date.now()): number {
  const dir = managerPaths(workspace).clientsDir;
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return 0;
  }
  let live = 0;
  for (const name of names) {
    const lease = readJson(join(dir, name));
    const pid = typeof lease?.pid === 'number' ? lease.pid : Number.parseInt(name, 10);
    if (!isAlive(pid)) {
      try {
        unlinkSync(join(dir, name));
      } catch {
        // pruned by someone else
      }
      continue;
    }
    const refreshedAt = Date.parse(String(lease?.refreshed_at));
    const refreshMs = Number(lease?.refresh_ms);
    if (now - refreshedAt <= MISSED_REFRESHES * refreshMs) live++;
  }
  return live;
}
