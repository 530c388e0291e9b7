import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isLoopbackUrl } from '../contract/index.js';
import { managerPaths } from '../runtime/workspace.js';
import { type HealthBody, type Probe, probeHealth } from './health.js';
import { newChallenge, proofMatches, workspaceSecret } from './identity.js';
import { isAlive, isBinderyServe } from './process.js';
import { readServerFile, type ServerInfo, unpublishServerFile } from './server-file.js';

export type Discovery =
  | { state: 'running'; info: ServerInfo; health: HealthBody }
  /** This workspace's server, alive, but answering /health with an error status (closing, store down). */
  | { state: 'unhealthy'; info: ServerInfo; reason: string }
  /** No usable server.json; `stale` says why a file that was there was ignored, naming it. */
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
 * Finds the workspace's server through server.json, trusting nothing in the file it has not proved: the
 * URL must be loopback, the workspace this one (absolute, same real path), the pid a live `bindery serve`
 * of this user, and the server at the URL must answer a fresh challenge with the workspace secret's HMAC
 * (identity.ts) — the first request it gets, and one without any credential. A file failing any of this
 * is ignored (`stale` names it and says why) and removed when `removeStale` is set; the caller holds the
 * manager lock then, so it cannot race a server that is just publishing.
 */
export async function discover(workspace: string, removeStale: boolean): Promise<Discovery> {
  const info = readServerFile(workspace);
  if (!info) return { state: 'absent' };
  const found = await check(workspace, info);
  if (found.state !== 'absent') return found;
  if (removeStale) unpublishServerFile(workspace, info.pid);
  return { state: 'absent', stale: `ignored ${managerPaths(workspace).serverFile}: ${found.stale}` };
}

/** Why `info` cannot be this workspace's server, judged without a single request; undefined when it may be. */
function untrusted(workspace: string, info: ServerInfo): string | undefined {
  if (!isLoopbackUrl(info.url) || new URL(info.url).port !== String(info.port)) {
    return `its URL ${JSON.stringify(info.url)} is not a loopback http:// URL on its port`;
  }
  if (!isAbsolute(info.workspace) || !sameDir(info.workspace, workspace)) {
    return `it names another workspace (${JSON.stringify(info.workspace)})`;
  }
  if (!isAlive(info.pid)) return `process ${info.pid} named in it is gone`;
  if (!isBinderyServe(info.pid)) return `process ${info.pid} named in it is not your "bindery serve"`;
  return undefined;
}

async function check(workspace: string, info: ServerInfo): Promise<Discovery> {
  const reason = untrusted(workspace, info);
  if (reason) return { state: 'absent', stale: reason };
  const probe = await provenProbe(info, workspace, 5_000);
  if (probe.kind === 'down') return { state: 'absent', stale: `nothing listens on ${info.url} any more` };
  if (probe.kind === 'other') {
    return { state: 'absent', stale: `${info.url} is held by another program (${probe.detail})` };
  }
  if (!probe.proven) {
    return { state: 'absent', stale: `the server on ${info.url} could not prove it is this workspace's` };
  }
  if (!probe.healthy) return { state: 'unhealthy', info, reason: `/health answers "${probe.body.status}"` };
  return { state: 'running', info, health: probe.body };
}

export type ProvenProbe =
  | Exclude<Probe, { kind: 'bindery' }>
  | (Extract<Probe, { kind: 'bindery' }> & { proven: boolean });

/**
 * /health of the server `pid` claims to run at `url`, with a challenge; `proven` is true only when the
 * answer is the workspace secret's HMAC over that pid, the URL's port and the workspace.
 */
export async function provenProbe(
  server: Pick<ServerInfo, 'url' | 'pid'>,
  workspace: string,
  timeoutMs: number,
): Promise<ProvenProbe> {
  const challenge = newChallenge();
  const probe = await probeHealth(server.url, timeoutMs, challenge);
  if (probe.kind !== 'bindery') return probe;
  const subject = { challenge, pid: server.pid, port: Number(new URL(server.url).port), workspace };
  return { ...probe, proven: proofMatches(workspaceSecret(workspace), subject, probe.proof) };
}
