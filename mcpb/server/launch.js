#!/usr/bin/env node
// The MCP Bundle's server: runs `bindery mcp` from the bindery-mcp package of the bundle's own version
// through npx, with stdio passed straight through. The package is not inside the bundle because it needs
// better-sqlite3 built for the Node that runs it; npm installs that for the user's own Node
// (docs/decisions/021-01-packaging.md).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8'));
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const args = ['-y', '--allow-scripts=better-sqlite3', `bindery-mcp@${version}`, 'mcp'];
const child = spawn(npx, args, { stdio: 'inherit', shell: process.platform === 'win32' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  process.stderr.write(
    `Bindery bundle: cannot run ${npx} (${error.message}); install Node.js 20.18+ with npm.\n`,
  );
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
