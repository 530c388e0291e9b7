import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { type HealthBody, probeHealth } from './health.js';
import { isAlive } from './process.js';
import { readServerFile, type ServerInfo, unpublishServerFile } from './server-file.js';

export type Discovery =
  | { state: 'running'; info: ServerInfo; health: HealthBody }
  /** This workspace's server, alive, but answering /health with an error status (closing, store down). */
  | { state: 'unhealthy'; info: ServerInfo; reason: string }
  /** No usable server.json; `stale` says why a file that was there could not be used. */
  | { state: 'absent'; stale?: string };

export function sameDir(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

/**
 * Finds the workspace's server through server.json and checks it really is the one named there:
 * the pid lives and /health on its URL answers with the same pid and workspace. A stale file (dead
 * pid, nothing or another program on the port) is removed when `removeStale` is set; the caller
 * holds the manager lock then, so it cannot race a server that is just publishing.
 */
export async function discover(workspace: string, removeStale: boolean): Promise<Discovery> {
  const info = readServerFile(workspace);
  if (!info) return { state: 'absent' };
  const found = await check(workspace, info);
  if (found.state === 'absent' && removeStale) unpublishServerFile(workspace, info.pid);
  return found;
}

async function check(workspace: string, info: ServerInfo): Promise<Discovery> {
  if (!isAlive(info.pid))
    return { state: 'absent', stale: `process ${info.pid} named in server.json is gone` };
  const probe = await probeHealth(info.url, 5_000);
  if (probe.kind === 'down') return { state: 'absent', stale: `nothing listens on ${info.url} any more` };
  if (probe.kind === 'other') {
    return { state: 'absent', stale: `${info.url} is held by another program (${probe.detail})` };
  }
  const { body } = probe;
  if (!sameDir(body.workspace, workspace) || body.pid !== info.pid) {
    return {
      state: 'absent',
      stale: `${info.url} is another Bindery server (pid ${body.pid}, ${body.workspace})`,
    };
  }
  if (!probe.healthy) return { state: 'unhealthy', info, reason: `/health answers "${body.status}"` };
  return { state: 'running', info, health: body };
}
