import { unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import { managerPaths } from '../runtime/workspace.js';
import { readJson, writeJsonAtomic } from './atomic-file.js';

/** `<workspace>/.vespera/server.json`: what a running server tells the processes looking for it. */
export interface ServerInfo {
  pid: number;
  port: number;
  url: string;
  version: string;
  workspace: string;
  started_at: string;
  /** Launched by the manager: it exits by itself once no MCP process holds a lease. */
  managed: boolean;
}

export function readServerFile(workspace: string): ServerInfo | null {
  const raw = readJson(managerPaths(workspace).serverFile);
  if (!raw || typeof raw.pid !== 'number' || typeof raw.port !== 'number' || typeof raw.url !== 'string') {
    return null;
  }
  return {
    pid: raw.pid,
    port: raw.port,
    url: raw.url,
    version: String(raw.version ?? ''),
    workspace: String(raw.workspace ?? ''),
    started_at: String(raw.started_at ?? ''),
    managed: raw.managed === true,
  };
}

export function publishServerFile(info: ServerInfo): void {
  writeJsonAtomic(managerPaths(info.workspace).serverFile, info);
}

/** Removes server.json only while it still names `pid` (and `port`): a successor's file is never deleted. */
export function unpublishServerFile(workspace: string, pid: number, port?: number): void {
  const current = readServerFile(workspace);
  if (current?.pid !== pid || (port !== undefined && current.port !== port)) return;
  try {
    unlinkSync(managerPaths(workspace).serverFile);
  } catch {
    // already gone
  }
}

/** Publishes `info` for a listening server and withdraws it when that server closes. */
export function publishUntilClosed(server: Server, info: ServerInfo): void {
  publishServerFile(info);
  server.once('close', () => unpublishServerFile(info.workspace, info.pid, info.port));
}
