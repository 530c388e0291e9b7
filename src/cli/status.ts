import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { plural } from '../contract/index.js';
import {
  baseUrl,
  discover,
  type HealthBody,
  liveLeases,
  managerPaths,
  managerSettings,
  probeHealth,
  sameDir,
} from '../manager/index.js';
import { DATA_DIR, detectWorkspace, sqlitePath } from '../runtime/workspace.js';

export const STATUS_USAGE = `Usage: bindery status [--workspace DIR] [--json]

Reports the Bindery backend of a workspace: where it runs, its health and version, the store and how
much it holds, the MCP processes using it, and where its log is.
The backend is BINDERY_URL when set, else the one named in <workspace>/.vespera/server.json, else a
Bindery of this workspace answering on BINDERY_PORT.
Exit status: 0 when a healthy backend answers, 1 when none does.`;

interface Report {
  workspace: string;
  workspace_source: string;
  backend: {
    url: string;
    found_by: string;
    health: string;
    pid: number | null;
    version: string | null;
    managed: boolean | null;
    uptime_s: number | null;
  } | null;
  /** Why no backend was found (stale server.json, nothing answering, …). */
  problem: string | null;
  store: { kind: string; path: string | null; size_bytes: number | null };
  counts: { tasks: number; projects: number; documents: number } | null;
  /** GET /api/version: what the backend runs (package version, store kind, schema version). */
  version_info: { version: string; store: string; schema_version: number } | null;
  clients: number;
  log: string;
}

/**
 * The flags of a command that reports on a workspace (status, doctor): `--workspace DIR`, `--json`, `--help`.
 * With --help it prints the usage and answers null.
 */
export function reportArgs(args: string[], usage: string): { workspace?: string; json?: boolean } | null {
  const { values } = parseArgs({
    args,
    options: {
      workspace: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.help) return values;
  process.stdout.write(`${usage}\n`);
  return null;
}

export async function status(args: string[]): Promise<void> {
  const values = reportArgs(args, STATUS_USAGE);
  if (!values) return;
  const report = await gather(process.env, process.cwd(), values.workspace);
  const healthy = report.backend?.health === 'healthy' || report.backend?.health === 'degraded';
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : render(report, colours()));
  process.exitCode = healthy ? 0 : 1;
}

async function gather(env: NodeJS.ProcessEnv, cwd: string, flag: string | undefined): Promise<Report> {
  const explicit = flag ?? (env.BINDERY_WORKSPACE || undefined);
  const workspace = detectWorkspace(cwd, explicit);
  const paths = managerPaths(workspace);
  const report: Report = {
    workspace,
    workspace_source: workspaceSource(workspace, flag, explicit),
    backend: null,
    problem: null,
    store: env.BINDERY_DATABASE_URL
      ? { kind: 'postgres', path: null, size_bytes: null }
      : { kind: 'sqlite', path: sqlitePath(workspace), size_bytes: storeSize(sqlitePath(workspace)) },
    counts: null,
    version_info: null,
    clients: liveLeases(workspace),
    log: paths.logFile,
  };
  const found = await locate(env, workspace);
  if ('problem' in found) {
    report.problem = found.problem;
    return report;
  }
  const { url, foundBy, health, managed } = found;
  report.backend = {
    url,
    found_by: foundBy,
    health: health?.status ?? 'unreachable',
    pid: health?.pid ?? null,
    version: health?.version ?? null,
    managed,
    uptime_s: health?.uptime_s ?? null,
  };
  Object.assign(report, await contents(url, env.BINDERY_TOKEN));
  if (report.version_info) report.store.kind = report.version_info.store;
  return report;
}

type Located =
  | { url: string; foundBy: string; health: HealthBody | null; managed: boolean | null }
  | { problem: string };

export async function locate(env: NodeJS.ProcessEnv, workspace: string): Promise<Located> {
  if (env.BINDERY_URL) {
    const probe = await probeHealth(env.BINDERY_URL.replace(/\/+$/, ''));
    const health = probe.kind === 'bindery' ? probe.body : null;
    return { url: env.BINDERY_URL, foundBy: 'BINDERY_URL', health, managed: null };
  }
  const found = await discover(workspace, false);
  if (found.state === 'running') {
    return { url: found.info.url, foundBy: 'server.json', health: found.health, managed: found.info.managed };
  }
  if (found.state === 'unhealthy') {
    const probe = await probeHealth(found.info.url);
    const health = probe.kind === 'bindery' ? probe.body : null;
    return { url: found.info.url, foundBy: 'server.json', health, managed: found.info.managed };
  }
  const { port, host } = managerSettings(env);
  if (port !== undefined) {
    const url = baseUrl(host, port);
    const probe = await probeHealth(url);
    if (probe.kind === 'bindery' && sameDir(probe.body.workspace, workspace)) {
      return { url, foundBy: 'BINDERY_PORT', health: probe.body, managed: null };
    }
  }
  const stale = found.stale ? `stale server.json: ${found.stale}` : 'no server.json';
  return { problem: `no backend is running for this workspace (${stale})` };
}

/** Version and counts; null when the backend does not answer them (e.g. it needs BINDERY_TOKEN). */
async function contents(
  url: string,
  token: string | undefined,
): Promise<Pick<Report, 'counts' | 'version_info'>> {
  const get = async (path: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${url.replace(/\/+$/, '')}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  };
  try {
    const [version, dashboard, projects, documents] = await Promise.all([
      get('/api/version'),
      get('/api/dashboard/stats'),
      get('/api/projects?limit=1'),
      get('/api/documents?limit=1'),
    ]);
    return {
      version_info: {
        version: String(version.version),
        store: String(version.store),
        schema_version: Number(version.schema_version),
      },
      counts: {
        tasks: Number(dashboard.total_tasks),
        projects: Number(projects.total),
        documents: Number(documents.total),
      },
    };
  } catch {
    return { version_info: null, counts: null };
  }
}

export function workspaceSource(
  workspace: string,
  flag: string | undefined,
  explicit: string | undefined,
): string {
  if (flag) return '--workspace';
  if (explicit) return 'BINDERY_WORKSPACE';
  if (existsSync(join(workspace, DATA_DIR))) return `${DATA_DIR}/ found`;
  if (existsSync(join(workspace, '.git'))) return '.git/ found';
  return 'working directory';
}

/** The database with its WAL and shared-memory files: what the store occupies on disk. */
function storeSize(path: string): number | null {
  if (!existsSync(path)) return null;
  return ['', '-wal', '-shm'].reduce((sum, suffix) => {
    try {
      return sum + statSync(`${path}${suffix}`).size;
    } catch {
      return sum;
    }
  }, 0);
}

interface Colours {
  good: (s: string) => string;
  warn: (s: string) => string;
  bad: (s: string) => string;
  dim: (s: string) => string;
}

/** ANSI colours only on a terminal (and never with NO_COLOR): piped output stays plain text. */
export function colours(): Colours {
  const on = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const paint = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { good: paint(32), warn: paint(33), bad: paint(31), dim: paint(2) };
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

function render(report: Report, c: Colours): string {
  const rows: [string, string][] = [
    ['Workspace', `${report.workspace} ${c.dim(`(${report.workspace_source})`)}`],
  ];
  const { backend } = report;
  if (backend) {
    const details = [
      backend.pid === null ? null : `pid ${backend.pid}`,
      backend.managed === null ? null : backend.managed ? 'managed by bindery mcp' : 'started by hand',
      backend.uptime_s === null ? null : `up ${backend.uptime_s} s`,
      `found by ${backend.found_by}`,
    ].filter(Boolean);
    const paint = { healthy: c.good, degraded: c.warn }[backend.health] ?? c.bad;
    rows.push(['Backend', `${backend.url} ${c.dim(`(${details.join(', ')})`)}`]);
    rows.push(['Health', paint(backend.health)]);
    const info = report.version_info;
    const version = info
      ? `${info.version} ${c.dim(`(${info.store} schema ${info.schema_version})`)}`
      : backend.version;
    if (version) rows.push(['Version', version]);
  } else {
    rows.push(['Backend', c.bad(report.problem ?? 'none')]);
  }
  const { store } = report;
  const size = store.size_bytes === null ? 'not created yet' : formatBytes(store.size_bytes);
  rows.push([
    'Store',
    store.path ? `${store.kind} ${store.path} (${size})` : `${store.kind} (BINDERY_DATABASE_URL)`,
  ]);
  if (report.counts) {
    const { tasks, projects, documents } = report.counts;
    rows.push([
      'Contents',
      `${plural(tasks, 'task')}, ${plural(projects, 'project')}, ${plural(documents, 'document')}`,
    ]);
  }
  rows.push(['Clients', `${report.clients} MCP process${report.clients === 1 ? '' : 'es'} holding a lease`]);
  rows.push(['Log', report.log]);
  const lines = rows.map(([label, value]) => `${label.padEnd(10)} ${value}`);
  if (!backend) lines.push('', 'Start one with "bindery serve", or let "bindery mcp" launch it.');
  return `${lines.join('\n')}\n`;
}
