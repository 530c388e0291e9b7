import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_TYPES } from '../../src/contract/index.js';
import { dbSnapshot } from '../helpers/db-snapshot.js';
import { useTestServer } from '../helpers/server.js';

const t = useTestServer();

const rpc = async (method: string, params: unknown) =>
  (await t.http('POST', '/rpc', { jsonrpc: '2.0', id: 1, method, params })).body;
const project = async (name: string) =>
  (await t.http('POST', '/api/projects', { name })).body as { id: string };
const search = async (query: string, extra: Record<string, unknown> = {}) =>
  (await t.http('POST', '/api/search', { query, ...extra })).body as { results: { id: string }[] };

/** Runs a request that must be refused and proves the database did not change. */
async function unchanged<T>(request: () => Promise<T>): Promise<T> {
  const before = await dbSnapshot(t);
  const result = await request();
  expect(await dbSnapshot(t)).toEqual(before);
  return result;
}

const GUIDE = `# Guide

Intro paragraph.

## Install

Run npm install.

## Deploy

Deploy with docker compose.
`;

describe('notes over REST', () => {
  it('creates, reads, updates with versions and deletes a note', async () => {
    const p = await project('Notes home');
    const created = await t.http('POST', '/api/notes', {
      title: 'Meeting',
      content: 'We chose SQLite.',
      tags: ['decision'],
      project_id: p.id,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      title: 'Meeting',
      tags: ['decision'],
      project_id: p.id,
      version: 1,
    });
    const id = created.body.id;
    expect((await t.http('GET', `/api/notes/${id}`)).body).toEqual(created.body);

    const patched = await t.http('PATCH', `/api/notes/${id}`, {
      content: 'We chose SQLite first.',
      expected_version: 1,
    });
    expect(patched.body).toMatchObject({ title: 'Meeting', content: 'We chose SQLite first.', version: 2 });
    const put = await t.http('PUT', `/api/notes/${id}`, { title: 'Meeting notes' }, { 'if-match': '"2"' });
    expect(put.body).toMatchObject({ title: 'Meeting notes', version: 3 });

    const deleted = await t.http('DELETE', `/api/notes/${id}`);
    expect(deleted.body).toEqual({ success: true, deleted_count: 1 });
    expect((await t.http('GET', `/api/notes/${id}`)).status).toBe(404);
    expect((await t.http('DELETE', `/api/notes/${id}`)).body.code).toBe('not_found');
  });

  it('refuses a stale expected_version with 409 and leaves the note unchanged', async () => {
    const note = (await t.http('POST', '/api/notes', { title: 'contested' })).body;
    await t.http('PATCH', `/api/notes/${note.id}`, { title: 'first writer' });
    const stale = await unchanged(() =>
      t.http('PATCH', `/api/notes/${note.id}`, { title: 'second writer', expected_version: 1 }),
    );
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      code: 'conflict',
      details: { current_version: 2, expected_version: 1 },
    });
    expect((await t.http('GET', `/api/notes/${note.id}`)).body).toMatchObject({
      title: 'first writer',
      version: 2,
    });
  });

  it('refuses an unknown project_id, an empty update and oversized content with 400', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const bad = await unchanged(() => t.http('POST', '/api/notes', { title: 'x', project_id: missing }));
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ field: 'project_id', reason: `no project with id ${missing}` }]);
    const note = (await t.http('POST', '/api/notes', { title: 'y' })).body;
    expect(
      (await t.http('PATCH', `/api/notes/${note.id}`, { project_id: missing })).body.details[0].field,
    ).toBe('project_id');
    expect((await t.http('PATCH', `/api/notes/${note.id}`, {})).status).toBe(400);
    const long = await t.http('POST', '/api/notes', { title: 'long', content: 'x'.repeat(100_001) });
    expect(long.status).toBe(400);
    expect(long.body.details[0].field).toBe('content');
  });

  it('lists newest first, filtered by project and tag, paged with a cursor', async () => {
    const p = await project('Listed notes');
    for (let i = 0; i < 5; i++) {
      await t.http('POST', '/api/notes', {
        title: `note ${i}`,
        project_id: p.id,
        tags: i % 2 ? ['odd'] : ['even'],
      });
    }
    const titles: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { title: string }[]; total: number; next_cursor: string | null } } =
        await t.http('GET', `/api/notes?project_id=${p.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.total).toBe(5);
      titles.push(...page.body.items.map((n) => n.title));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(titles).toEqual(['note 4', 'note 3', 'note 2', 'note 1', 'note 0']);
    const odd = await t.http('GET', `/api/notes?project_id=${p.id}&tag=odd`);
    expect(odd.body.items.map((n: { title: string }) => n.title)).toEqual(['note 3', 'note 1']);
    expect(odd.body.total).toBe(2);
  });
});

describe('documents over REST', () => {
  it('indexes a markdown document into heading chunks and reads it back with their boundaries', async () => {
    const p = await project('Docs home');
    const res = await t.http('POST', '/api/rag/index', {
      title: 'Guide',
      content: GUIDE,
      document_type: 'markdown',
      source_path: 'docs/guide.md',
      tags: ['ops'],
      project_id: p.id,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deduplicated: false, chunks_created: 3 });

    const doc = (await t.http('GET', `/api/documents/${res.body.document_id}`)).body;
    expect(doc).toMatchObject({
      title: 'Guide',
      content: GUIDE,
      document_type: 'markdown',
      source_path: 'docs/guide.md',
      tags: ['ops'],
      project_id: p.id,
      content_hash: createHash('sha256').update(GUIDE).digest('hex'),
      chunk_count: 3,
      size_bytes: Buffer.byteLength(GUIDE),
    });
    expect(doc.chunks.map((c: { heading_path: string[] }) => c.heading_path)).toEqual([
      ['Guide'],
      ['Guide', 'Install'],
      ['Guide', 'Deploy'],
    ]);
    const last = doc.chunks[2];
    expect(GUIDE.slice(last.start, last.end)).toBe('## Deploy\n\nDeploy with docker compose.');

    const list = await t.http('GET', `/api/documents?project_id=${p.id}&document_type=markdown`);
    expect(list.body.total).toBe(1);
    expect(list.body.items[0]).not.toHaveProperty('content');
    expect(list.body.items[0]).toMatchObject({ id: doc.id, chunk_count: 3 });
    expect((await t.http('GET', `/api/documents?project_id=${p.id}&document_type=code`)).body.total).toBe(0);
  });

  it('returns the existing document for the same content and writes nothing', async () => {
    const content = 'Same words, indexed twice.';
    const first = (await t.http('POST', '/api/rag/index', { title: 'first', content })).body;
    const again = await unchanged(() =>
      t.http('POST', '/api/rag/index', { title: 'second', content, tags: ['x'] }),
    );
    expect(again.body).toEqual({
      success: true,
      document_id: first.document_id,
      chunks_created: first.chunks_created,
      deduplicated: true,
    });
  });

  it('refuses more than 5 MB of UTF-8 with 413 and stores nothing', async () => {
    const stats = async () => (await t.http('GET', '/api/dashboard/stats')).body.total_documents;
    const before = await stats();
    // 2.7 million characters, 5.4 MB of UTF-8: under the character limits, over the byte limit.
    const res = await unchanged(() =>
      t.http('POST', '/api/rag/index', { title: 'too big', content: 'é'.repeat(2_700_000) }),
    );
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
    // A body past the route's limit is refused before it is parsed.
    const huge = await t.http('POST', '/api/rag/index', {
      title: 'huge',
      content: 'x'.repeat(11 * 1024 * 1024),
    });
    expect(huge.status).toBe(413);
    expect(await stats()).toBe(before);
  });

  it('refuses an unknown document_type with 400 listing the allowed values', async () => {
    const res = await unchanged(() =>
      t.http('POST', '/api/rag/index', { title: 'x', content: 'y', document_type: 'spreadsheet' }),
    );
    expect(res.status).toBe(400);
    const detail = res.body.details.find((d: { field: string }) => d.field === 'document_type');
    for (const type of DOCUMENT_TYPES) expect(detail.reason).toContain(type);
  });

  it('indexes a 5 MB document in one call and finds its last chunk', async () => {
    const sections: string[] = [];
    for (let size = 0; size < 5 * 1024 * 1024 - 4000; ) {
      sections.push(
        `## Section ${sections.length}\n\n${'Lorem ipsum dolor sit amet consectetur. '.repeat(40)}\n\n`,
      );
      size += sections.at(-1)!.length;
    }
    const content = `${sections.join('')}The final paragraph mentions quetzalcoatl.\n`;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(5 * 1024 * 1024);
    const res = await t.http('POST', '/api/rag/index', { title: 'Big', content, document_type: 'markdown' });
    expect(res.status).toBe(200);
    expect(res.body.chunks_created).toBeGreaterThan(2500);
    const hits = await search('quetzalcoatl');
    expect(hits.results.map((r) => r.id)).toEqual([res.body.document_id]);
  });

  it('deletes a document and its chunks leave the index', async () => {
    const res = (
      await t.http('POST', '/api/rag/index', { title: 'Ephemeral', content: 'xylophone practice' })
    ).body;
    expect((await search('xylophone')).results).toHaveLength(1);
    expect((await t.http('DELETE', `/api/documents/${res.document_id}`)).body).toEqual({
      success: true,
      deleted_count: 1,
    });
    expect((await search('xylophone')).results).toEqual([]);
    expect((await t.http('GET', `/api/documents/${res.document_id}`)).status).toBe(404);
    expect((await t.http('DELETE', `/api/documents/${res.document_id}`)).status).toBe(404);
  });

  it('detaches notes and documents when their project is deleted', async () => {
    const p = await project('Short-lived');
    const note = (await t.http('POST', '/api/notes', { title: 'orphan', project_id: p.id })).body;
    const doc = (
      await t.http('POST', '/api/rag/index', { title: 'orphan doc', content: 'orphaned', project_id: p.id })
    ).body;
    expect((await t.http('DELETE', `/api/projects/${p.id}`)).status).toBe(200);
    expect((await t.http('GET', `/api/notes/${note.id}`)).body.project_id).toBeNull();
    expect((await t.http('GET', `/api/documents/${doc.document_id}`)).body.project_id).toBeNull();
  });
});

describe('knowledge over JSON-RPC', () => {
  it('runs every note and document method', async () => {
    const note = (await rpc('create_note', { title: 'rpc note', content: 'via rpc', tags: ['rpc'] })).result;
    expect(note).toMatchObject({ title: 'rpc note', version: 1 });
    expect((await rpc('get_note', { note_id: note.id })).result).toEqual(note);
    expect((await rpc('list_notes', { tag: 'rpc' })).result.items.map((n: { id: string }) => n.id)).toEqual([
      note.id,
    ]);
    expect(
      (await rpc('update_note', { note_id: note.id, title: 'renamed', expected_version: 1 })).result.version,
    ).toBe(2);
    const stale = await rpc('update_note', { note_id: note.id, title: 'lost', expected_version: 1 });
    expect(stale.error).toMatchObject({ code: -32002, data: { code: 'conflict' } });
    expect((await rpc('delete_note', { note_id: note.id })).result).toEqual({
      success: true,
      deleted_count: 1,
    });
    expect((await rpc('get_note', { note_id: note.id })).error.data.code).toBe('not_found');

    const indexed = (
      await rpc('index_document', {
        title: 'rpc doc',
        content: `${GUIDE}\nBy RPC.\n`,
        document_type: 'documentation',
      })
    ).result;
    expect(indexed).toMatchObject({ chunks_created: 3 });
    expect((await rpc('get_document', { document_id: indexed.document_id })).result.chunks).toHaveLength(3);
    const listed = (await rpc('list_documents', { document_type: 'documentation' })).result;
    expect(listed.items.map((d: { id: string }) => d.id)).toContain(indexed.document_id);
    const bad = await rpc('index_document', { title: 'x', content: 'y', document_type: 'pdf' });
    expect(bad.error).toMatchObject({ code: -32602, data: { code: 'validation_error' } });
    expect((await rpc('delete_document', { document_id: indexed.document_id })).result.success).toBe(true);
  });
});
