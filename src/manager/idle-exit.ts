import { managerPaths } from '../runtime/workspace.js';
import { liveLeases } from './lease.js';
import { tryLock } from './lock.js';
import { readServerFile, unpublishServerFile } from './server-file.js';

export interface IdleExitOptions {
  workspace: string;
  graceMs: number;
  log: (message: string) => void;
}

/** Hard stop if a graceful shutdown hangs: the same 5 s the manager allows between SIGTERM and SIGKILL. */
const KILL_AFTER_MS = 5_000;

/**
 * Runs inside a managed server: it ends this process once no MCP process has held a live lease for
 * `graceMs`, or once server.json names another server (this one was replaced and nobody can find it).
 * The server watches rather than the clients because only it reliably outlives a client killed with -9.
 * Retiring happens under the manager lock: a client attaching at that moment either sees server.json
 * gone (and launches anew) or has its lease counted.
 */
export function exitWhenUnused(options: IdleExitOptions): void {
  const { workspace, graceMs, log } = options;
  const lockFile = managerPaths(workspace).lockFile;
  let idleSince: number | undefined;
  const timer = setInterval(tick, Math.min(1_000, Math.max(100, graceMs / 4)));
  timer.unref();

  function tick(): void {
    if (readServerFile(workspace)?.pid !== process.pid) {
      stop('server.json no longer names this server (it was replaced or removed); stopping');
      return;
    }
    if (liveLeases(workspace) > 0) {
      idleSince = undefined;
      return;
    }
    idleSince ??= Date.now();
    if (Date.now() - idleSince < graceMs) return;
    const lock = tryLock(lockFile);
    if (!lock) return; // a client is discovering or launching right now: look again next tick
    if (liveLeases(workspace) > 0) {
      lock.release();
      idleSince = undefined;
      return;
    }
    process.once('exit', () => lock.release());
    unpublishServerFile(workspace, process.pid);
    stop(`no MCP process has used this backend for ${graceMs / 1000} s; stopping`);
  }

  function stop(reason: string): void {
    clearInterval(timer);
    log(reason);
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), KILL_AFTER_MS).unref();
  }
}
