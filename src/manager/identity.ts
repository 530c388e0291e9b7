import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, lstatSync, openSync, readFileSync, realpathSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BinderyError } from '../contract/index.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../store/private-files.js';

/**
 * How a `bindery mcp` knows that the server named in `.vespera/server.json` is this workspace's own:
 * the server answers a random challenge with an HMAC keyed by a per-workspace secret that lives in a
 * per-user runtime directory, outside the repository tree, so a repository cannot ship it (see
 * docs/decisions/012-01-discovery-trust.md). The answer covers the server's pid, the port the
 * challenge reached and the workspace, so a fake server cannot relay a real server's answer.
 */

/** The per-user directory for runtime secrets: BINDERY_RUNTIME_DIR, $XDG_RUNTIME_DIR/bindery, or the temp dir. */
export function runtimeDir(env: Record<string, string | undefined> = process.env): string {
  if (env.BINDERY_RUNTIME_DIR) return resolve(env.BINDERY_RUNTIME_DIR);
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'bindery');
  return join(tmpdir(), `bindery-${process.getuid?.() ?? 'user'}`);
}

function realWorkspace(workspace: string): string {
  try {
    return realpathSync(workspace);
  } catch {
    return resolve(workspace);
  }
}

/** The runtime directory must be ours and closed to others, or anyone could read (or plant) the secret. */
function checkedRuntimeDir(env: Record<string, string | undefined>): string {
  const dir = runtimeDir(env);
  ensurePrivateDir(dir);
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
    throw new BinderyError(
      'permission_denied',
      `${dir} must be a directory owned by you with mode 0700 (it holds Bindery's workspace secrets); ` +
        'fix it, or set BINDERY_RUNTIME_DIR to such a directory.',
    );
  }
  return dir;
}

export function secretPath(workspace: string, env: Record<string, string | undefined> = process.env): string {
  const key = createHash('sha256').update(realWorkspace(workspace)).digest('hex').slice(0, 32);
  return join(checkedRuntimeDir(env), `${key}.secret`);
}

/** The workspace's secret, created (0600, exclusively) by whichever process needs it first. */
export function workspaceSecret(
  workspace: string,
  env: Record<string, string | undefined> = process.env,
): Buffer {
  const path = secretPath(workspace, env);
  try {
    const fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
    writeSync(fd, randomBytes(32).toString('hex'));
    closeSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = lstatSync(path);
  if (!stat.isFile() || (stat.mode & 0o077) !== 0) {
    throw new BinderyError(
      'permission_denied',
      `${path} must be a file with mode 0600; remove it to have it made again.`,
    );
  }
  const text = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    // A writer that was interrupted between create and write: the next start makes a fresh one.
    throw new BinderyError('internal_error', `${path} is not a Bindery secret; remove it and start again.`);
  }
  return Buffer.from(text, 'hex');
}

export interface ProofSubject {
  challenge: string;
  pid: number;
  /** The port the challenge arrived on (the server's local port, the client's target port). */
  port: number;
  workspace: string;
}

export function proof(secret: Buffer, subject: ProofSubject): string {
  return createHmac('sha256', secret)
    .update(
      `bindery-proof\n${subject.challenge}\n${subject.pid}\n${subject.port}\n${realWorkspace(subject.workspace)}`,
    )
    .digest('hex');
}

export function newChallenge(): string {
  return randomBytes(24).toString('hex');
}

export function proofMatches(secret: Buffer, subject: ProofSubject, answer: string | undefined): boolean {
  if (answer === undefined || !/^[0-9a-f]{64}$/.test(answer)) return false;
  return timingSafeEqual(Buffer.from(proof(secret, subject), 'hex'), Buffer.from(answer, 'hex'));
}
