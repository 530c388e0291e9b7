import {
  appendFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJsonAtomic } from '../../src/manager/atomic-file.js';
import { Lease, liveLeases } from '../../src/manager/lease.js';
import { acquireLock, tryLock } from '../../src/manager/lock.js';
import { rotateLog, tailLines } from '../../src/manager/log-file.js';
import { managerPaths } from '../../src/runtime/workspace.js';
import { onCleanup, workspace } from './support.js';

const DEAD_PID = 2 ** 22 + 17; // above Linux's pid_max default, so never a live process

describe('manager files', () => {
  it('lock: exclusive while held, free after release, broken when its holder is dead', async () => {
    const path = managerPaths(workspace()).lockFile;
    const lock = tryLock(path)!;
    expect(lock).not.toBeNull();
    expect(tryLock(path)).toBeNull();
    await expect(acquireLock(path, 200)).rejects.toThrow(/held by pid \d+.*delete that file/);
    lock.release();
    const again = tryLock(path)!;
    expect(again).not.toBeNull();
    again.release();

    writeFileSync(path, JSON.stringify({ pid: DEAD_PID, token: 'x' }));
    const taken = await acquireLock(path, 1_000);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    taken.release();

    // An empty lock file (holder died between open and write) is stale once it is old.
    writeFileSync(path, '');
    expect(tryLock(path)).toBeNull();
    utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    tryLock(path)!.release();
    expect(existsSync(path)).toBe(false);
  });

  it('leases: live while refreshed by a live process; dead ones pruned, stale ones ignored', () => {
    const ws = workspace();
    const { clientsDir } = managerPaths(ws);
    const lease = new Lease(ws, 200);
    lease.start();
    onCleanup(() => lease.release());
    expect(liveLeases(ws)).toBe(1);

    writeJsonAtomic(join(clientsDir, `${DEAD_PID}-1.json`), {
      pid: DEAD_PID,
      refresh_ms: 200,
      refreshed_at: new Date().toISOString(),
    });
    writeJsonAtomic(join(clientsDir, `${process.pid}-99.json`), {
      pid: process.pid,
      refresh_ms: 200,
      refreshed_at: new Date(Date.now() - 10_000).toISOString(),
    });
    expect(liveLeases(ws)).toBe(1);
    expect(existsSync(join(clientsDir, `${DEAD_PID}-1.json`))).toBe(false);

    lease.release();
    expect(existsSync(lease.path)).toBe(false);
    expect(liveLeases(ws)).toBe(0);
  });

  it('log rotation keeps 3 generations and the writer keeps appending to server.log', () => {
    const dir = join(workspace(), 'logs');
    mkdirSync(dir);
    const log = join(dir, 'server.log');
    const fd = openSync(log, 'a'); // like the server's stderr
    for (let generation = 1; generation <= 4; generation++) {
      writeSync(fd, `generation ${generation}\n${'x'.repeat(100)}\n`);
      expect(rotateLog(log, 100, 3)).toBe(true);
    }
    writeSync(fd, 'after rotation\n');
    expect(readFileSync(log, 'utf8')).toBe('after rotation\n');
    expect(readFileSync(`${log}.1`, 'utf8')).toContain('generation 4');
    expect(readFileSync(`${log}.3`, 'utf8')).toContain('generation 2');
    expect(existsSync(`${log}.4`)).toBe(false);
    expect(rotateLog(log, 100, 3)).toBe(false);
  });

  it('tailLines quotes only what was written since an offset, cut to a readable length', () => {
    const log = join(workspace(), 'server.log');
    writeFileSync(log, 'old run\n');
    const from = readFileSync(log).length;
    appendFileSync(log, `one\n\ntwo\n${'y'.repeat(1000)}\n`);
    const lines = tailLines(log, from);
    expect(lines.slice(0, 2)).toEqual(['one', 'two']);
    expect(lines[2]!.length).toBeLessThan(410);
  });
});
