// `npm run bench [-- --quick] [-- --suite http,mcp,next,...]`: runs the suites, prints tables, writes JSON.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { accessSuite } from './access.mjs';
import { batchSuite } from './batch.mjs';
import { cacheSuite } from './cache.mjs';
import { changesSuite } from './changes.mjs';
import { httpSuite } from './http.mjs';
import { ROOT } from './lib.mjs';
import { mcpSuite } from './mcp.mjs';
import { memorySuite } from './memory.mjs';
import { nextSuite } from './next.mjs';
import { relevanceSuite } from './relevance.mjs';
import { scalingSuite } from './scaling.mjs';
import { subscriptionsSuite } from './subscriptions.mjs';
import { teamSuite } from './team.mjs';
import { tracingSuite } from './tracing.mjs';

const SUITES = {
  http: httpSuite,
  mcp: mcpSuite,
  scaling: scalingSuite,
  memory: memorySuite,
  cache: cacheSuite,
  changes: changesSuite,
  relevance: relevanceSuite,
  tracing: tracingSuite,
  batch: batchSuite,
  access: accessSuite,
  subscriptions: subscriptionsSuite,
  next: nextSuite,
  team: teamSuite,
};

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, suite: { type: 'string' } },
  strict: true,
});
const selected = values.suite ? values.suite.split(',') : Object.keys(SUITES);
for (const name of selected)
  if (!(name in SUITES)) throw new Error(`unknown suite ${name}; known: ${Object.keys(SUITES)}`);

const results = {
  started_at: new Date().toISOString(),
  mode: values.quick ? 'quick' : 'full',
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  store: process.env.BINDERY_DATABASE_URL ? 'postgres' : 'sqlite',
  suites: {},
};
for (const name of selected) {
  const started = performance.now();
  results.suites[name] = await SUITES[name]({ quick: values.quick });
  console.log(`(${name}: ${Math.round((performance.now() - started) / 1000)} s)`);
}
const file = join(
  ROOT,
  'bench/results',
  `${results.mode}-${results.store}-${results.started_at.replace(/[:.]/g, '-')}.json`,
);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nresults written to ${file}`);
