import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core: no browser is ever downloaded. */
const CHROMIUM = process.env.BINDERY_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Where screenshots go: a temp directory, or BINDERY_SCREENSHOTS (docs/images when refreshing the docs'
 * pictures: keep the ones the docs link, and `pngquant` them first, since they ship in the package).
 */
export const SHOTS = process.env.BINDERY_SCREENSHOTS ?? join(tmpdir(), 'bindery-board-shots');

/** Builds a page with its Vite config when `file` is missing (a test run without `npm run build`). */
export function buildIfMissing(file: string, viteConfig: string): void {
  if (existsSync(file)) return;
  const root = resolve(import.meta.dirname, '../..');
  spawnSync('npx', ['vite', 'build', '-c', viteConfig, '--logLevel', 'warn'], { cwd: root });
}

/** One headless browser for a test file, with the screenshot folder ready. */
export function launchBrowser(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}
