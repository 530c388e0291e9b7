// After tsc: bundles the `bindery` command (dist/cli/main.js and what it imports, our modules and the
// dependencies) into dist/bin/, the file `bin` and the manager's launcher run. Loading a few dozen files
// instead of hundreds of small modules takes about 40 % of the CPU off every `bindery mcp` and backend
// start (BENCHMARKS.md, "The bundled CLI"; docs/manager.md, "Start-up time").
//
// - Each dynamic import() stays its own chunk, loaded when it is today: a command's modules, the /mcp
//   handler, the PostgreSQL store, tracing.
// - All chunks sit flat in dist/bin/, two levels below the package root like dist/cli/*.js, so the paths our
//   modules resolve from import.meta (package.json, dist/web/, dist/app/board.html) hold in the bundle too.
// - External (loaded from node_modules at run time): better-sqlite3 (a native addon), and what only an
//   optional feature loads: pg (PostgreSQL), ioredis (shared rate limits), OpenTelemetry's SDK (tracing).
//   OpenTelemetry's API is bundled: prom-client loads it at every backend start. Its copies share one
//   global registry by design, so the SDK's own copy from node_modules works with it. The rate limiter's
//   stores, loaded through createRequire by path, are resolved from dist/bin/ at run time too.
// - BINDERY_SOURCEMAP=1 writes source maps (to the tsc output in dist/) for `node --enable-source-maps`;
//   off by default, as the package ships no maps (docs/decisions/021-01-packaging.md).
import { rmSync } from 'node:fs';
import { build } from 'rolldown';

const OUT_DIR = 'dist/bin';
const EXTERNAL = [/^better-sqlite3(\/|$)/, /^pg(\/|$)/, /^ioredis(\/|$)/, /^@opentelemetry\/(?!api$)/];

rmSync(OUT_DIR, { recursive: true, force: true });
await build({
  input: { bindery: 'dist/cli/main.js' },
  platform: 'node',
  external: EXTERNAL,
  logLevel: 'warn',
  output: {
    dir: OUT_DIR,
    format: 'esm',
    chunkFileNames: '[name]-[hash].js',
    sourcemap: process.env.BINDERY_SOURCEMAP === '1',
  },
});
