import { managerPaths } from '../runtime/workspace.js';
import { exitWhenUnused } from './idle-exit.js';
import { rotateLog } from './log-file.js';

const ROTATE_CHECK_MS = 30_000;

/**
 * What `bindery serve --managed` adds to a plain server: it stops by itself when no MCP process uses it
 * any more, and keeps its log (its stdout/stderr, opened by the launcher) size-rotated.
 */
export function runManaged(workspace: string, idleGraceMs: number, log: (message: string) => void): void {
  exitWhenUnused({ workspace, graceMs: idleGraceMs, log });
  const logFile = managerPaths(workspace).logFile;
  setInterval(() => rotateLog(logFile), ROTATE_CHECK_MS).unref();
}
