import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileCacheDir } from '../../src/cli/compile-cache.js';
import { runCli } from '../helpers/process.js';
import { tempWorkspace } from '../helpers/workspace.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Node ≥ 22.1 has a compile cache; on Node 20 the CLI starts as before and writes nothing. */
const nodeHasCache = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

describe('compile cache', () => {
  it('lives under $XDG_CACHE_HOME/bindery, else ~/.cache/bindery', () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/bindery/compile-cache');
    expect(compileCacheDir({})).toMatch(/\.cache\/bindery\/compile-cache$/);
  });

  it('is written owner-only by a CLI run where Node has one, and not at all where it has none', async () => {
    const home = tempWorkspace('bindery-cache-');
    cleanups.push(home.remove);
    const { code, stdout } = await runCli(['--version'], { XDG_CACHE_HOME: home.dir });
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const dir = join(home.dir, 'bindery', 'compile-cache');
    expect(existsSync(dir)).toBe(nodeHasCache);
    if (nodeHasCache) {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(readdirSync(dir).length).toBeGreaterThan(0);
    }
  });
});
