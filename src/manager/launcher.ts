import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BinderyError, TOKEN_PREFIX } from '../contract/index.js';
import { managerPaths } from '../runtime/workspace.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../store/private-files.js';
import { provenProbe } from './discovery.js';
import { logSize, rotateLog, tailLines } from './log-file.js';
import { stopProcess } from './process.js';
import { readServerFile, type ServerInfo } from './server-file.js';

/** The package root: this file is in <root>/dist/bin/ (the bundle), dist/manager/ or src/manager/ (tests). */
const PACKAGE_ROOT = resolve(import.meta.dirname, '../..');

/** The bundled CLI (scripts/bundle-cli.mjs); the backend always runs it, also when the caller runs from source. */
export function serverEntry(): string {
  const entry = resolve(PACKAGE_ROOT, 'dist/bin/bindery.js');
  if (!existsSync(entry)) {
    throw new BinderyError(
      'connection_error',
      `Bindery is not built: ${entry} is missing. Run "npm run build" in ${PACKAGE_ROOT} ` +
        '("npm install" builds it through the prepare script).',
    );
  }
  return entry;
}

export interface LaunchOptions {
  workspace: string;
  /** 0 = any free port. */
  port: number;
  /** Environment for the server (the caller's, so its settings carry over). */
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** How often the launch looks for the new server's server.json (a file read; the probe follows it once). */
const READY_POLL_MS = 25;
const PROBE_TIMEOUT_MS = 1_000;

/**
 * Starts `bindery serve --managed` detached from the caller (own process group, stdio on the log file,
 * so the caller's stdio — the MCP channel — never sees a byte of it) and waits until it publishes
 * server.json and answers /health. A server that never gets there is stopped, so a failed launch
 * leaves no orphan behind.
 */
export async function launchBackend(options: LaunchOptions): Promise<ServerInfo> {
  const { workspace, port, timeoutMs = 30_000 } = options;
  const entry = serverEntry();
  const { logFile } = managerPaths(workspace);
  ensurePrivateDir(dirname(logFile));
  rotateLog(logFile);
  const logStart = logSize(logFile);
  const fd = openSync(logFile, 'a', PRIVATE_FILE_MODE);
  writeSync(
    fd,
    `${new Date().toISOString()} bindery manager (pid ${process.pid}): starting the backend on ` +
      `${port ? `port ${port}` : 'a free port'}\n`,
  );
  const child = spawn(process.execPath, [entry, 'serve', '--managed'], {
    cwd: workspace,
    detached: true,
    windowsHide: true,
    stdio: ['ignore', fd, fd],
    env: { ...serverEnv(options.env), BINDERY_WORKSPACE: workspace, BINDERY_PORT: String(port) },
  });
  closeSync(fd);
  child.unref();
  let ended: string | undefined;
  child.on('error', (error) => {
    ended = `could not be started (${error.message})`;
  });
  child.on('exit', (code, signal) => {
    ended = `exited with ${signal ?? `code ${code}`} during start-up`;
  });

  const failure = (what: string) => {
    const lines = tailLines(logFile, logStart);
    const quoted = lines.length ? `Last lines of ${logFile}:\n  ${lines.join('\n  ')}` : `See ${logFile}.`;
    return new BinderyError('connection_error', `The Bindery backend (pid ${child.pid}) ${what}. ${quoted}`);
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(READY_POLL_MS);
    if (ended) throw failure(ended);
    const info = readServerFile(workspace);
    if (!info || info.pid !== child.pid) continue;
    const probe = await provenProbe(info, workspace, PROBE_TIMEOUT_MS);
    if (probe.kind === 'bindery' && probe.healthy && probe.proven) return info;
  }
  if (child.pid !== undefined) await stopProcess(child.pid);
  throw failure(`did not become healthy within ${Math.round(timeoutMs / 1000)} s`);
}

/**
 * The launched server's environment: the MCP process's, except a named token's secret in BINDERY_TOKEN,
 * which the server would otherwise take for its root credential (the server knows the token from its store).
 */
function serverEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!env.BINDERY_TOKEN?.startsWith(TOKEN_PREFIX)) return env;
  const { BINDERY_TOKEN: _named, ...rest } = env;
  return rest;
}
