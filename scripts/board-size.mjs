// After the board's build: the JavaScript index.html loads (the first view), gzipped, against its budget of
// 120 KB. Prints the figure; fails the build when it is over (docs/board.md).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 120 * 1024;
const dir = new URL('../dist/web/', import.meta.url);
const html = readFileSync(new URL('index.html', dir), 'utf8');
const scripts = [
  ...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/([^"]+\.js)"/g),
];
let total = 0;
for (const [, path] of scripts) total += gzipSync(readFileSync(new URL(path, dir)), { level: 9 }).length;
const kb = (total / 1024).toFixed(1);
console.log(`board: first-view JavaScript ${kb} KB gzipped (${scripts.length} file(s); budget 120 KB)`);
if (scripts.length === 0 || total > BUDGET) {
  console.error('board: first-view JavaScript is missing or over budget');
  process.exit(1);
}
