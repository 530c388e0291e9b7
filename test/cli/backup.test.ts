import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type ServeProcess, spawnServe } from '../helpers/process.js';
import { httpHelper } from '../helpers/server.js';
import { tempWorkspace } from '../helpers/workspace.js';

/** `bindery backup` and `bindery restore` against a real server process on a SQLite workspace. */
const ws = tempWorkspace();
const out = tempWorkspace('bindery-backup-');
let serve: ServeProcess;

beforeAll(async () => {
  serve = await spawnServe(ws.dir);
});

afterAll(async () => {
  if (serve.proc.exitCode === null) {
    serve.proc.kill('SIGTERM');
    await serve.exited;
  }
  ws.remove();
  out.remove();
});

const env = () => ({ BINDERY_WORKSPACE: ws.dir, BINDERY_DATABASE_URL: '' });

function titlesIn(file: string): Set<string> {
  const db = new Database(file, { readonly: true });
  try {
    return new Set((db.prepare('SELECT title FROM tasks').all() as { title: string }[]).map((r) => r.title));
  } finally {
    db.close();
  }
}

describe('bindery backup', () => {
  it('copies a consistent database during 8 concurrent writers, holding every write acknowledged before it began', async () => {
    const http = httpHelper(serve.url);
    const acknowledged: string[] = [];
    let writing = true;
    const writer = async (w: number) => {
      for (let n = 0; writing; n++) {
        const title = `writer ${w} task ${n}`;
        const res = await http('POST', '/api/tasks', { title });
        expect(res.status).toBe(201);
        acknowledged.push(title);
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    while (acknowledged.length < 80) await new Promise((r) => setTimeout(r, 20));
    const beforeBackup = [...acknowledged];
    const file = join(out.dir, 'copy.db');
    const result = await runCli(['backup', file], env());
    const duringBackup = acknowledged.length;
    writing = false;
    await Promise.all(writers);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/integrity ok/);
    expect(duringBackup).toBeGreaterThan(beforeBackup.length); // the writers did run while it copied
    const copied = titlesIn(file);
    for (const title of beforeBackup) expect(copied.has(title), title).toBe(true);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('refuses to overwrite a file, and prints the pg_dump command for PostgreSQL', async () => {
    const file = join(out.dir, 'copy.db');
    const again = await runCli(['backup', file], env());
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists already/);
    const pg = await runCli(['backup', join(out.dir, 'pg.dump')], {
      BINDERY_WORKSPACE: ws.dir,
      BINDERY_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
    });
    expect(pg.code).toBe(1);
    expect(pg.stdout).toMatch(/pg_dump --format=custom --file/);
  });
});

describe('bindery restore', () => {
  it('refuses while the server holds the workspace, then restores and keeps the replaced database aside', async () => {
    const file = join(out.dir, 'copy.db');
    const held = await runCli(['restore', file], env());
    expect(held.code).toBe(1);
    expect(held.stderr).toMatch(/stop it before restoring/);
    const http = httpHelper(serve.url);
    expect((await http('POST', '/api/tasks', { title: 'after the backup' })).status).toBe(201);
    serve.proc.kill('SIGTERM');
    await serve.exited;

    const restored = await runCli(['restore', file], env());
    expect(restored.code, restored.stderr).toBe(0);
    const dir = join(ws.dir, '.vespera');
    const kept = readdirSync(dir).filter(
      (name) => name.startsWith('tasks.db.replaced-') && !/-(wal|shm)$/.test(name),
    );
    expect(kept).toHaveLength(1);
    expect(titlesIn(join(dir, kept[0]!)).has('after the backup')).toBe(true);
    expect(titlesIn(join(dir, 'tasks.db'))).toEqual(titlesIn(file));

    serve = await spawnServe(ws.dir);
    const list = await httpHelper(serve.url)('GET', '/api/tasks?limit=1');
    expect(list.body.total).toBe(titlesIn(file).size);
    expect(existsSync(join(dir, 'tasks.db'))).toBe(true);
  });
});
