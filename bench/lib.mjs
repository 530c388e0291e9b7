// Shared bench helpers: processes, temp workspaces, autocannon runs and tables.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'dist/bin/bindery.js');

export function tempDir(prefix = 'bindery-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts a node script and resolves once a line of its stderr matches `ready`; returns {proc, match, stop}. */
export function startProcess(args, { env = {}, ready, timeoutMs = 30_000 } = {}) {
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`not ready in time: ${err.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk) => {
      err += chunk.toString();
      const match = ready.exec(err);
      if (match) {
        clearTimeout(timer);
        proc.stderr.off('data', onData);
        proc.stderr.resume();
        resolveReady({ proc, match, stop: () => stopProcess(proc) });
      }
    };
    proc.stderr.on('data', onData);
    proc.stdout.resume();
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

export function stopProcess(proc) {
  if (proc.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    proc.on('exit', () => done());
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
  });
}

/** `bindery serve` on a free port in `workspace`; resolves with {url, proc, stop}. */
export async function startBindery(workspace, env = {}) {
  const started = await startProcess([CLI, 'serve'], {
    env: { BINDERY_PORT: '0', BINDERY_WORKSPACE: workspace, BINDERY_LOG_LEVEL: 'info', ...env },
    ready: /"url":"(http:[^"]+)"[^\n]*bindery server listening/,
  });
  return { url: started.match[1], proc: started.proc, stop: started.stop };
}

export async function json(url, path, { method = 'GET', body } = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * One autocannon run. `requests` follows autocannon's format; `pick` (optional) rewrites each request
 * (e.g. to rotate ids). Returns req/s and latency percentiles in ms.
 */
export async function load(
  url,
  { duration, connections = 10, method = 'GET', path = '/', body, pick, headers = {} },
) {
  const result = await autocannon({
    url,
    duration,
    connections,
    requests: [
      {
        method,
        path,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        ...(pick ? { setupRequest: (request) => ({ ...request, ...pick() }) } : {}),
      },
    ],
  });
  const errors = result.errors + result.timeouts + result.non2xx;
  return {
    rps: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests: result.requests.total,
    errors,
  };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

/** Latency percentiles (ms) of `fn` run `count` times sequentially. */
export async function timeCalls(count, fn) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return {
    p50_ms: round(percentile(times, 50)),
    p95_ms: round(percentile(times, 95)),
    p99_ms: round(percentile(times, 99)),
  };
}

export function round(value, digits = 3) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function printTable(title, rows) {
  console.log(`\n## ${title}`);
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => row[c])));
}
