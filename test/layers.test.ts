import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The stack, bottom first: a module may import its own layer and the layers below it only. `runtime` holds
 * the process pieces several layers share (logger, workspace layout, settings readers); it sits below
 * every layer that uses them and imports nothing of ours but the contract.
 */
const LAYERS = [
  'contract',
  'runtime',
  'store',
  'service',
  'server',
  'client',
  ['mcp', 'manager'],
  'cli',
] as const;
const SRC = resolve(import.meta.dirname, '../src');

function rank(layer: string): number {
  return LAYERS.findIndex((entry) => (Array.isArray(entry) ? entry.includes(layer) : entry === layer));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('layering', () => {
  it('every import in src points down the stack', () => {
    const upward: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const layer = relative(SRC, file).split('/')[0]!;
      expect(rank(layer), `${file} is in no layer`).toBeGreaterThanOrEqual(0);
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = relative(SRC, resolve(dirname(file), specifier!)).split('/')[0]!;
        if (target !== layer && rank(target) >= rank(layer))
          upward.push(`${relative(SRC, file)} → ${specifier}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
