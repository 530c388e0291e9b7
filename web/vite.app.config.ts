import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { viteSingleFile } from 'vite-plugin-singlefile';

/**
 * The board as an MCP App: one self-contained HTML file, dist/app/board.html, that the server answers as
 * `ui://bindery/board` (src/mcp/app.ts). A host renders it in a sandboxed frame whose CSP allows no
 * fetches (the MCP Apps default), so vite-plugin-singlefile inlines the script and the styles into the page.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [preact(), viteSingleFile({ removeViteModuleLoader: true })],
  build: {
    outDir: fileURLToPath(new URL('../dist/app', import.meta.url)),
    emptyOutDir: true,
    rollupOptions: { input: fileURLToPath(new URL('board.html', import.meta.url)) },
  },
});
