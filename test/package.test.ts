/**
 * What a published package promises: one version and one name everywhere it is written (package.json, the
 * MCP Registry's server.json, the MCP Bundle's manifest), the files a user needs, nothing dangling.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const json = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));
const pkg = json('package.json');

describe('the package', () => {
  it('keeps server.json and the bundle manifest at package.json’s version and name', () => {
    const server = json('server.json');
    expect(server.name).toBe(pkg.mcpName);
    expect(server.version).toBe(pkg.version);
    expect(server.packages).toEqual([
      expect.objectContaining({
        registryType: 'npm',
        identifier: pkg.name,
        version: pkg.version,
        transport: { type: 'stdio' },
        packageArguments: [{ type: 'positional', value: 'mcp' }],
      }),
    ]);
    const manifest = json('mcpb/manifest.json');
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.license).toBe(pkg.license);
  });

  it('names every environment variable in server.json that the docs describe', () => {
    const documented = readFileSync(join(root, 'README.md'), 'utf8');
    for (const variable of json('server.json').packages[0].environmentVariables) {
      expect(documented).toContain(`\`${variable.name}\``);
    }
  });

  it('ships the bindery command, a LICENSE, the docs the README links, and no source maps', () => {
    expect(pkg.bin).toEqual({ bindery: 'dist/bin/bindery.js' });
    expect(existsSync(join(root, 'LICENSE'))).toBe(true);
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'docs', 'server.json']));
    const linked = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/\]\((docs\/[^)#]+)/g)];
    for (const [, path] of linked) expect(existsSync(join(root, path!)), path).toBe(true);
    const build = readFileSync(join(root, 'tsconfig.build.json'), 'utf8');
    expect(JSON.parse(build).compilerOptions.sourceMap).toBe(false);
    const maps = readdirSync(join(root, 'dist'), { recursive: true }).filter((f) =>
      String(f).endsWith('.map'),
    );
    expect(maps).toEqual([]);
  });

  it('declares the supported Node versions: 20.18+, 22 and 24', () => {
    expect(pkg.engines.node).toBe('^20.18.1 || ^22 || >=24');
  });
});
