import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';

/**
 * The board as an MCP App: one self-contained HTML file, dist/app/board.html, that the server answers as
 * `ui://bindery/board` (src/mcp/app.ts). A host renders it in a sandboxed frame whose CSP allows no
 * fetches (the MCP Apps default), so the script and the styles are inlined into the page.
 */
const inlineIntoHtml = (): Plugin => ({
  name: 'bindery-inline-into-html',
  enforce: 'post',
  generateBundle(_options, bundle) {
    const page = Object.values(bundle).find((file) => file.fileName === 'app.html');
    if (page?.type !== 'asset') throw new Error('app.html is missing from the build');
    let html = String(page.source);
    for (const [name, file] of Object.entries(bundle)) {
      if (file === page) continue;
      const text = file.type === 'chunk' ? file.code : String(file.source);
      if (name.endsWith('.js')) {
        // A literal "</script" inside the code would end the element early.
        const code = text.replaceAll('</script', '<\\/script');
        html = html.replace(
          new RegExp(`<script type="module" crossorigin src="/${name}"></script>`),
          () => `<script type="module">${code}</script>`,
        );
      } else if (name.endsWith('.css')) {
        html = html.replace(
          new RegExp(`<link rel="stylesheet" crossorigin href="/${name}">`),
          () => `<style>${text}</style>`,
        );
      } else throw new Error(`cannot inline ${name}`);
      if (html.includes(`/${name}`)) throw new Error(`${name} was not inlined`);
      delete bundle[name];
    }
    page.fileName = 'board.html';
    page.source = html;
  },
});

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [preact(), inlineIntoHtml()],
  build: {
    outDir: fileURLToPath(new URL('../dist/app', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: Number.POSITIVE_INFINITY,
    cssCodeSplit: false,
    modulePreload: false,
    rollupOptions: { input: fileURLToPath(new URL('app.html', import.meta.url)) },
  },
});
