import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll } from 'vitest';
import { databaseUrlFor } from './postgres.js';
import { tempWorkspace } from './workspace.js';

export const CLI = resolve(import.meta.dirname, '../../dist/bin/bindery.js');

export interface ServeProcess {
  proc: ChildProcess;
  url: string;
  stderr: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/**
 * Spawns the built `bindery serve` on a free port, on the store under test (one PostgreSQL schema per
 * workspace in the postgres project), and waits until it logs that it listens. Its /mcp serves every tool
 * unless BINDERY_TOOLS says otherwise.
 */
export async function spawnServe(workspace: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const databaseUrl = env.BINDERY_DATABASE_URL ?? (await databaseUrlFor(workspace));
  const proc = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      BINDERY_PORT: '0',
      BINDERY_WORKSPACE: workspace,
      BINDERY_LOG_LEVEL: 'info',
      BINDERY_DATABASE_URL: databaseUrl ?? '',
      BINDERY_TOOLS: 'all',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL'); // a server that never reported ready must not outlive the test
      fail(new Error(`serve did not start: ${err}`));
    }, 20_000);
    proc.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const match = /"url":"(http:[^"]+)"[^\n]*bindery server listening/.exec(err);
      if (match) {
        clearTimeout(timer);
        ready({ proc, url: match[1]!, stderr: () => err, exited });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${code}: ${err}`));
    });
  });
}

/**
 * For a test file that spawns servers as it goes: `serve(env)` starts one in a fresh temp workspace; all of
 * them are killed and their workspaces removed after the file.
 */
export function useSpawnedServers(): (
  env?: Record<string, string>,
) => Promise<ServeProcess & { workspace: string }> {
  const started: ServeProcess[] = [];
  const workspaces: { remove: () => void }[] = [];
  afterAll(async () => {
    for (const server of started) {
      server.proc.kill('SIGKILL');
      await server.exited;
    }
    for (const ws of workspaces) ws.remove();
  });
  return async (env = {}) => {
    const ws = tempWorkspace();
    workspaces.push(ws);
    const server = await spawnServe(ws.dir, env);
    started.push(server);
    return { ...server, workspace: ws.dir };
  };
}

/** Runs the CLI to completion and returns its exit code and output. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const proc = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    proc.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    proc.on('exit', (code) => done({ code, stdout, stderr }));
  });
}
