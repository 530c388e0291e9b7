// CI: fail on a known high or critical advisory in a production dependency (`npm audit --omit=dev`),
// except those recorded in .ci/audit-accepted.json with a reason and an expiry date (docs/operations.md).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const accepted = JSON.parse(
  readFileSync(new URL('../.ci/audit-accepted.json', import.meta.url), 'utf8'),
).accepted;
const today = new Date().toISOString().slice(0, 10);
const stillAccepted = new Set(accepted.filter((a) => a.until >= today).map((a) => a.id));

let report;
try {
  report = execFileSync('npm', ['audit', '--omit=dev', '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
} catch (error) {
  report = error.stdout; // npm audit exits non-zero when it finds anything; the JSON is still on stdout
}
let parsed;
try {
  parsed = JSON.parse(report);
} catch {
  parsed = { error: { summary: 'no JSON answer' } };
}
if (parsed.error || !parsed.vulnerabilities) {
  // The registry's audit service did not answer: say so loudly, but do not fail the build on an outage.
  console.warn(
    `npm audit: the advisory service did not answer (${parsed.error?.summary ?? 'unknown'}); no audit this run.`,
  );
  process.exit(0);
}
const blocking = [];
for (const [name, vuln] of Object.entries(parsed.vulnerabilities)) {
  for (const via of vuln.via) {
    if (typeof via !== 'object' || !['high', 'critical'].includes(via.severity)) continue;
    const id = via.url?.split('/').pop() ?? String(via.source);
    if (!stillAccepted.has(id)) blocking.push(`${name}: ${via.title} (${via.severity}, ${id})`);
  }
}
if (blocking.length > 0) {
  console.error(
    `npm audit: high-severity advisories in production dependencies:\n  ${blocking.join('\n  ')}`,
  );
  console.error('Upgrade, or record an accepted one in .ci/audit-accepted.json (docs/operations.md).');
  process.exit(1);
}
console.log('npm audit: no unaccepted high-severity advisory in production dependencies.');
