import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * True while `pid` is a running process. A zombie counts as gone: where PID 1 does not reap orphans
 * (some containers), a dead backend would otherwise look alive forever.
 */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs (macOS): kill(0) is all we have
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`; resolves once it is gone. */
export async function stopProcess(pid: number, graceMs = 5_000): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  if (await waitForExit(pid, graceMs)) return;
  signal(pid, 'SIGKILL');
  await waitForExit(pid, 2_000);
}

/** Sends `name` to `pid`; false when the process is already gone. */
export function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when `pid` runs `bindery serve` as this user, judged from /proc (argv and real uid). Without a
 * procfs (macOS) it cannot tell and says yes: the challenge answer (identity.ts) still has to be right.
 */
export function isBinderyServe(pid: number): boolean {
  let argv: string[];
  let status: string;
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync('/proc/self');
  }
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
  if (process.getuid && uid !== String(process.getuid())) return false;
  // The bundle (dist/bin/bindery.js), npm's `bindery` link to it, or the unbundled dist/cli/main.js.
  const cli = argv.findIndex((arg) => /(^|\/)(main\.js|bindery(\.js)?)$/.test(arg));
  return cli !== -1 && argv[cli + 1] === 'serve';
}

/** CPU time (clock ticks, user + system) `pid` has used, from /proc; undefined where that cannot be read. */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3 of stat(5), utime and stime are 14 and 15.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}
