import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlitePath } from '../../src/runtime/workspace.js';
import { createTestSchema, type TestSchema } from '../helpers/postgres.js';
import { runCli } from '../helpers/process.js';
import { type HttpHelper, startTestServer, type TestServer } from '../helpers/server.js';
import { tempWorkspace } from '../helpers/workspace.js';

/** The SQLite source: every kind of entity, including links that point forward in creation order. */
let source: TestServer;
let target: TestSchema;
const files = tempWorkspace('bindery-export-');
const SQLITE = { BINDERY_DATABASE_URL: '' };

beforeAll(async () => {
  source = await startTestServer({ env: SQLITE });
  target = await createTestSchema();
  await populate(source.http);
  await source.stop();
});

afterAll(async () => {
  await source.remove();
  await target.drop();
  files.remove();
});

async function populate(http: HttpHelper): Promise<void> {
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await http(method, path, body);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };
  const kept = await ok('POST', '/api/projects', { name: 'Kept', description: 'stays', tags: ['a', 'b'] });
  const gone = await ok('POST', '/api/projects', { name: 'Gone' });
  const tree = await ok('POST', '/api/tasks', {
    title: 'Root «quoted» ✓',
    description: 'multi\nline\ttext',
    project_id: kept.id,
    tags: ['z', 'a', 'z'],
    labels: { zeta: 1, alpha: { nested: [1, 'two', null] }, émoji: '🚀' },
    due_at: '2030-01-02T03:04:05.678+02:00',
    subtasks: [{ title: 'child 1', subtasks: [{ title: 'grandchild' }] }, { title: 'child 2' }],
  });
  const older = await ok('POST', '/api/tasks', { title: 'older', project_id: gone.id });
  const newer = await ok('POST', '/api/tasks', { title: 'newer', status: 'done' });
  // Forward links: an older task moved under, and depending on, tasks created after it.
  await ok('PATCH', `/api/tasks/${older.id}`, { parent_id: newer.id, depends_on: [newer.id, tree.id] });
  await ok('POST', `/api/tasks/${tree.children[0]}/execute`, { role: 'implementer' });
  await ok('POST', `/api/tasks/${tree.children[0]}/complete`, { completion_notes: 'done well' });
  await ok('POST', `/api/tasks/${tree.children[1]}/execute`, { role: 'tester' });
  await ok('DELETE', `/api/projects/${gone.id}`);
  await ok('POST', '/api/notes', {
    title: 'Note',
    content: 'remember the walrus',
    tags: ['n'],
    project_id: kept.id,
  });
  await ok('POST', '/api/rag/index', {
    title: 'Guide',
    document_type: 'markdown',
    content: `# Guide\n\nIntro.\n\n## Install\n\n${'Run the installer. '.repeat(150)}\n\n## Deploy\n\nShip it.\n`,
    tags: ['docs'],
  });
}

const exportFile = (name: string) => join(files.dir, name);

async function cli(args: string[], env: Record<string, string>) {
  const result = await runCli(args, env);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

describe('bindery export / import', () => {
  it('SQLite → PostgreSQL → SQLite: every export of the same data is identical', async () => {
    const fromSqlite = exportFile('sqlite.jsonl');
    await cli(['export', '--workspace', source.workspace, '--output', fromSqlite], SQLITE);
    const imported = await cli(['import', '--input', fromSqlite, '--database-url', target.url], {});
    expect(imported.stderr).toMatch(/imported 1 projects, 6 tasks, 2 dependencies, 2 executions/);

    const fromPostgres = exportFile('postgres.jsonl');
    await cli(['export', '--database-url', target.url, '--output', fromPostgres], {});
    expect(readFileSync(fromPostgres, 'utf8')).toBe(readFileSync(fromSqlite, 'utf8'));

    const back = tempWorkspace();
    try {
      await cli(['import', '--workspace', back.dir, '--input', fromPostgres], SQLITE);
      const again = await cli(['export', '--workspace', back.dir], SQLITE);
      expect(again.stdout).toBe(readFileSync(fromSqlite, 'utf8'));
      expect(again.stderr).not.toContain('\r'); // no progress bar when stderr is not a terminal
    } finally {
      back.remove();
    }
  });

  it('serves the imported data exactly as the source served it', async () => {
    const sqlite = await startTestServer({ workspace: source.workspace, env: SQLITE });
    const postgres = await startTestServer({ env: { BINDERY_DATABASE_URL: target.url } });
    try {
      for (const path of [
        '/api/tasks?detail=full&limit=500',
        '/api/projects',
        '/api/notes',
        '/api/documents',
      ]) {
        expect((await postgres.http('GET', path)).body, path).toEqual((await sqlite.http('GET', path)).body);
      }
      const search = { query: 'install', entity_types: ['document'] };
      const [hit] = (await postgres.http('POST', '/api/search', search)).body.results;
      expect(hit).toMatchObject({ type: 'document', title: 'Guide', relevance_score: 1 });
      expect(hit.snippet).toContain('«');
    } finally {
      await sqlite.stop();
      await postgres.stop();
    }
  });

  it('refuses a store that is not empty, and a truncated file', async () => {
    const file = exportFile('sqlite.jsonl');
    const busy = await runCli(['import', '--input', file, '--database-url', target.url]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('not empty');

    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const truncated = exportFile('truncated.jsonl');
    writeFileSync(truncated, `${lines.slice(0, -1).join('\n')}\n`);
    const empty = tempWorkspace();
    try {
      const result = await runCli(['import', '--workspace', empty.dir, '--input', truncated], SQLITE);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/announces 1 document lines but holds 0/);
    } finally {
      empty.remove();
    }
  });

  it('names the line and field of a bad entity', async () => {
    const lines = readFileSync(exportFile('sqlite.jsonl'), 'utf8').trimEnd().split('\n');
    const bad = JSON.parse(lines[1]!);
    bad.data.version = 'one';
    const file = exportFile('bad.jsonl');
    writeFileSync(file, `${lines[0]}\n${JSON.stringify(bad)}\n`);
    const empty = tempWorkspace();
    try {
      const result = await runCli(['import', '--workspace', empty.dir, '--input', file], SQLITE);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('line 2: project.version');
    } finally {
      empty.remove();
    }
  });

  it('leaves SQLite one full-text segment after an import of several batches, and it searches', async () => {
    const lines = readFileSync(exportFile('sqlite.jsonl'), 'utf8').trimEnd().split('\n');
    const template = lines.map((line) => JSON.parse(line)).find((r) => r.data?.title === 'newer');
    const tasks = Array.from({ length: 1_200 }, (_, i) =>
      JSON.stringify({ kind: 'task', data: { ...template.data, id: randomUUID(), title: `bulk task ${i}` } }),
    );
    const header = JSON.parse(lines[0]!);
    const only = { project: 0, task: 1_200, dependency: 0, execution: 0, note: 0, document: 0, chunk: 0 };
    header.counts = { ...header.counts, ...only };
    const file = exportFile('bulk.jsonl');
    writeFileSync(file, `${[JSON.stringify(header), ...tasks].join('\n')}\n`);
    const empty = tempWorkspace();
    try {
      await cli(['import', '--workspace', empty.dir, '--input', file], SQLITE);
      const db = new Database(sqlitePath(empty.dir), { readonly: true });
      try {
        expect(db.prepare('SELECT count(DISTINCT segid) AS n FROM search_index_idx').get()).toEqual({ n: 1 });
        const hits = db
          .prepare("SELECT count(*) AS n FROM search_index WHERE search_index MATCH 'bulk'")
          .get();
        expect(hits).toEqual({ n: 1_200 });
      } finally {
        db.close();
      }
    } finally {
      empty.remove();
    }
  });
});
