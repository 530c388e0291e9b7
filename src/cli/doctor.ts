import { existsSync, statfsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { managerSettings, runtimeDir } from '../manager/index.js';
import { dataDir, detectWorkspace, managerPaths, sqlitePath } from '../runtime/workspace.js';
import { RoleRegistry } from '../service/roles.js';
import { redactUrl } from '../store/postgres/location.js';
import { PG_MIGRATIONS } from '../store/postgres/migrations.js';
import { MIGRATIONS } from '../store/sqlite/migrations.js';
import { mcpSettings, serverConfig } from './config.js';
import { colours, locate, reportArgs, workspaceSource } from './status.js';

export const DOCTOR_USAGE = `Usage: bindery doctor [--workspace DIR] [--json]

Checks what Bindery needs on this machine and says how to fix what is wrong: the Node version, the
settings in the environment, the SQLite driver, the store (integrity and schema version, or the
PostgreSQL connection and privileges), file permissions, the runtime secret directory, the roles file,
disk space, the log file, Redis, the port and the backend.
It changes nothing. Exit status: 0 when nothing failed (warnings allowed), 1 otherwise.`;

type Verdict = 'ok' | 'warn' | 'fail';

interface Check {
  name: string;
  verdict: Verdict;
  detail: string;
  /** What to do about a warning or failure. */
  fix?: string;
}

type Env = NodeJS.ProcessEnv;

export async function doctor(args: string[]): Promise<void> {
  const values = reportArgs(args, DOCTOR_USAGE);
  if (!values) return;
  const checks = await diagnose(process.env, process.cwd(), values.workspace);
  process.stdout.write(values.json ? `${JSON.stringify({ checks }, null, 2)}\n` : render(checks));
  process.exitCode = checks.some((check) => check.verdict === 'fail') ? 1 : 0;
}

async function diagnose(env: Env, cwd: string, flag: string | undefined): Promise<Check[]> {
  const explicit = flag ?? (env.BINDERY_WORKSPACE || undefined);
  const workspace = detectWorkspace(cwd, explicit);
  const checks: Check[] = [nodeVersion(), settings(env)];
  checks.push({
    name: 'workspace',
    verdict: 'ok',
    detail: `${workspace} (${workspaceSource(workspace, flag, explicit)})`,
  });
  checks.push(
    privateFiles(workspace),
    secretDir(env),
    roles(workspace),
    diskSpace(workspace),
    logFile(workspace),
  );
  if (env.BINDERY_DATABASE_URL) checks.push(await postgres(env.BINDERY_DATABASE_URL));
  else checks.push(...(await sqlite(workspace)));
  if (env.BINDERY_REDIS_URL) checks.push(await redis(env.BINDERY_REDIS_URL));
  // Finding the backend reads the settings: with a bad one, the settings line has said what to fix.
  if (checks[1]!.verdict === 'ok') checks.push(...(await backend(env, workspace)));
  return checks;
}

/** The versions package.json's engines field accepts: ^20.18.1 || ^22 || >=24. */
function nodeVersion(): Check {
  const [major = 0, minor = 0, patch = 0] = process.versions.node.split('.').map(Number);
  const supported =
    (major === 20 && (minor > 18 || (minor === 18 && patch >= 1))) || major === 22 || major >= 24;
  return supported
    ? { name: 'node', verdict: 'ok', detail: `Node ${process.versions.node}` }
    : {
        name: 'node',
        verdict: 'fail',
        detail: `Node ${process.versions.node} is not supported`,
        fix: 'install Node 20.18.1 or later 20.x, 22 or 24',
      };
}

function settings(env: Env): Check {
  try {
    serverConfig(env);
    mcpSettings(env);
    return { name: 'settings', verdict: 'ok', detail: 'every BINDERY_* setting in the environment is valid' };
  } catch (error) {
    return { name: 'settings', verdict: 'fail', detail: (error as Error).message };
  }
}

/** The data directory and its files must be the owner's alone: they hold the database and the server's URL. */
function privateFiles(workspace: string): Check {
  const dir = dataDir(workspace);
  if (!existsSync(dir)) return { name: 'files', verdict: 'ok', detail: `${dir} not created yet` };
  const database = sqlitePath(workspace);
  const paths = [dir, database, `${database}-wal`, `${database}-shm`, managerPaths(workspace).serverFile];
  const open = paths.filter((path) => existsSync(path) && (statSync(path).mode & 0o077) !== 0);
  if (open.length === 0) return { name: 'files', verdict: 'ok', detail: `${dir} is private to its owner` };
  return {
    name: 'files',
    verdict: 'warn',
    detail: `readable by other users: ${open.join(', ')}`,
    fix: `chmod 700 ${dir} && chmod 600 ${dir}/*.db* (the server also tightens them at start)`,
  };
}

function roles(workspace: string): Check {
  const file = join(dataDir(workspace), 'roles.json');
  try {
    const count = RoleRegistry.forWorkspace(dataDir(workspace)).list().length;
    const source = existsSync(file) ? file : 'built-in only';
    return { name: 'roles', verdict: 'ok', detail: `${count} roles (${source})` };
  } catch (error) {
    return {
      name: 'roles',
      verdict: 'fail',
      detail: (error as Error).message,
      fix: `correct or remove ${file}`,
    };
  }
}

const LOW_DISK_BYTES = 500 * 1024 ** 2;
const FULL_DISK_BYTES = 50 * 1024 ** 2;

function diskSpace(workspace: string): Check {
  const { bavail, bsize } = statfsSync(workspace);
  const free = bavail * bsize;
  const detail = `${formatMb(free)} free where the store lives`;
  if (free >= LOW_DISK_BYTES) return { name: 'disk', verdict: 'ok', detail };
  return {
    name: 'disk',
    verdict: free < FULL_DISK_BYTES ? 'fail' : 'warn',
    detail,
    fix: 'free some space: SQLite needs room for its WAL and for VACUUM',
  };
}

const LARGE_LOG_BYTES = 100 * 1024 ** 2;

function logFile(workspace: string): Check {
  const file = managerPaths(workspace).logFile;
  if (!existsSync(file)) return { name: 'log', verdict: 'ok', detail: `${file} (not written yet)` };
  const size = statSync(file).size;
  if (size < LARGE_LOG_BYTES) return { name: 'log', verdict: 'ok', detail: `${file} (${formatMb(size)})` };
  return {
    name: 'log',
    verdict: 'warn',
    detail: `${file} is ${formatMb(size)}`,
    fix: 'truncate or rotate it while no server runs (it is only appended to)',
  };
}

function formatMb(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

function secretDir(env: Env): Check {
  const dir = runtimeDir(env);
  if (!existsSync(dir)) return { name: 'secrets', verdict: 'ok', detail: `${dir} is created at first start` };
  const stat = statSync(dir);
  const own = process.getuid === undefined || stat.uid === process.getuid();
  if (own && (stat.mode & 0o077) === 0) return { name: 'secrets', verdict: 'ok', detail: `${dir} (0700)` };
  return {
    name: 'secrets',
    verdict: 'fail',
    detail: `${dir} must be a directory of this user with mode 0700`,
    fix: `chmod 700 ${dir}, or set BINDERY_RUNTIME_DIR to a private directory`,
  };
}

async function sqlite(workspace: string): Promise<Check[]> {
  let Database: typeof import('better-sqlite3');
  try {
    Database = (await import('better-sqlite3')).default;
    new Database(':memory:').close();
  } catch (error) {
    return [
      {
        name: 'sqlite driver',
        verdict: 'fail',
        detail: `better-sqlite3 does not load: ${(error as Error).message.split('\n')[0]}`,
        fix: 'npm rebuild better-sqlite3 (under npx: npx -y --allow-scripts=better-sqlite3 bindery-mcp …)',
      },
    ];
  }
  const checks: Check[] = [{ name: 'sqlite driver', verdict: 'ok', detail: 'better-sqlite3 loads' }];
  const path = sqlitePath(workspace);
  if (!existsSync(path))
    return [...checks, { name: 'store', verdict: 'ok', detail: `${path} is created at first start` }];
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const integrity = db.pragma('quick_check', { simple: true });
      const version = (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number })
        .v;
      if (integrity !== 'ok') {
        checks.push({
          name: 'store',
          verdict: 'fail',
          detail: `${path} is damaged: ${String(integrity)}`,
          fix: 'restore the last backup with "bindery restore"',
        });
      } else checks.push(schemaCheck(path, version, MIGRATIONS.at(-1)!.version));
    } finally {
      db.close();
    }
  } catch (error) {
    checks.push({
      name: 'store',
      verdict: 'fail',
      detail: `${path} cannot be read: ${(error as Error).message}`,
    });
  }
  return checks;
}

async function postgres(url: string): Promise<Check> {
  const where = redactUrl(url);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const tables = await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS made");
    if (!tables.rows[0].made)
      return { name: 'store', verdict: 'ok', detail: `${where}: reachable, schema made at first start` };
    const { rows } = await client.query(
      "SELECT max(version) AS v, has_schema_privilege(current_schema(), 'CREATE') AS can_create FROM schema_migrations",
    );
    const newest = PG_MIGRATIONS.at(-1)!.version;
    const version = Number(rows[0].v);
    if (version < newest && !rows[0].can_create) {
      return {
        name: 'store',
        verdict: 'fail',
        detail: `${where}: schema ${version} needs migrating to ${newest}, but this role may not CREATE in the schema`,
        fix: 'GRANT CREATE ON SCHEMA … TO the role, or start once as the schema owner',
      };
    }
    return schemaCheck(where, version, newest);
  } catch (error) {
    return {
      name: 'store',
      verdict: 'fail',
      detail: `${where}: ${(error as Error).message}`,
      fix: 'check BINDERY_DATABASE_URL and that PostgreSQL accepts connections from here',
    };
  } finally {
    await client.end().catch(() => {});
  }
}

function schemaCheck(where: string, version: number, newest: number): Check {
  if (version > newest) {
    return {
      name: 'store',
      verdict: 'fail',
      detail: `${where} has schema ${version}, made by a newer Bindery (this one knows up to ${newest})`,
      fix: 'upgrade bindery-mcp',
    };
  }
  const upgrade = version < newest ? `; migrates to ${newest} at next start` : '';
  return { name: 'store', verdict: 'ok', detail: `${where}: intact, schema ${version}${upgrade}` };
}

async function redis(url: string): Promise<Check> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return { name: 'redis', verdict: 'ok', detail: 'reachable: rate limits are shared between servers' };
  } catch (error) {
    return {
      name: 'redis',
      verdict: 'warn',
      detail: `unreachable (${(error as Error).message}): each server counts its rate limits alone`,
      fix: 'check BINDERY_REDIS_URL',
    };
  } finally {
    client.disconnect();
  }
}

/** The running backend if any; else whether BINDERY_PORT is free for the one `bindery mcp` would launch. */
async function backend(env: Env, workspace: string): Promise<Check[]> {
  const found = await locate(env, workspace);
  if (!('problem' in found)) {
    const health = found.health?.status ?? 'unreachable';
    const verdict: Verdict = health === 'healthy' ? 'ok' : health === 'degraded' ? 'warn' : 'fail';
    return [{ name: 'backend', verdict, detail: `${found.url} (${health}, found by ${found.foundBy})` }];
  }
  const checks: Check[] = [
    {
      name: 'backend',
      verdict: found.problem.includes('stale') ? 'warn' : 'ok',
      detail: `${found.problem}; "bindery mcp" launches one when needed`,
    },
  ];
  const { port, host } = managerSettings(env);
  if (port !== undefined && !(await portFree(host, port))) {
    checks.push({
      name: 'port',
      verdict: 'fail',
      detail: `BINDERY_PORT ${port} on ${host} is held by another program`,
      fix: 'stop that program or choose another BINDERY_PORT (unset, a free port is picked)',
    });
  }
  return checks;
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

function render(checks: Check[]): string {
  const c = colours();
  const paint = { ok: c.good, warn: c.warn, fail: c.bad };
  const lines = checks.map((check) => {
    const shown = paint[check.verdict](check.verdict.padEnd(4));
    const fix = check.fix ? `\n${' '.repeat(20)}fix: ${check.fix}` : '';
    return `${shown} ${check.name.padEnd(14)} ${check.detail}${fix}`;
  });
  return `${lines.join('\n')}\n`;
}
