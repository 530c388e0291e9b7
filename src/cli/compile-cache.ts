/**
 * Node's on-disk compile cache for every `bindery` process (Node 22.1+; Node 20 lacks it and starts as
 * before). Start-up is mostly compiling the modules a command loads (BENCHMARKS.md, "Start-up"); with the
 * cache, the second and later starts reuse V8's code instead. Node keys each entry by its Node version and
 * the source's hash, so an upgrade or an edited file is simply compiled again.
 *
 * The cache lives in a per-user, owner-only directory ($XDG_CACHE_HOME/bindery/compile-cache, default
 * ~/.cache/bindery/compile-cache): Node's own default, a shared temp directory, would let another user plant
 * code cache that this process loads. NODE_COMPILE_CACHE (a directory of your choice) and
 * NODE_DISABLE_COMPILE_CACHE=1 (off) are Node's own settings and win.
 */
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDir } from '../store/private-files.js';

type Enable = (directory?: string) => unknown;

export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'bindery', 'compile-cache');
}

export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  const enable = (module as { enableCompileCache?: Enable }).enableCompileCache;
  if (!enable || env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return;
  try {
    const dir = compileCacheDir(env);
    ensurePrivateDir(dir);
    enable(dir);
  } catch {
    // No home directory, or a read-only one: the cache only saves time, so start without it.
  }
}
