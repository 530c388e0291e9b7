import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.js';

const t = useTestServer();

interface Result {
  id: string;
  type: string;
  title: string;
  snippet: string;
  relevance_score: number;
  tags: string[];
  project_id: string | null;
  match: 'all' | 'partial';
  matched: string[];
}
interface Results {
  query: string;
  total_results: number;
  results: Result[];
  next_cursor: string | null;
}

const search = async (query: string, extra: Record<string, unknown> = {}): Promise<Results> => {
  const res = await t.http('POST', '/api/search', { query, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const ids = (r: Results) => r.results.map((x) => x.id);
const task = async (body: Record<string, unknown>) => (await t.http('POST', '/api/tasks', body)).body;
const filler = (words: number) => Array.from({ length: words }, (_, i) => `word${i % 97}`).join(' ');

describe('ranking', () => {
  it('ranks the task titled with the query above one that mentions it once in a long description', async () => {
    // Created first, so recency cannot be what puts it on top.
    const titled = await task({ title: 'Marmoset migration' });
    const mentioned = await task({
      title: 'Quarterly cleanup',
      description: `${filler(300)} also the marmoset thing ${filler(300)}`,
    });
    const found = await search('marmoset');
    expect(ids(found)).toEqual([titled.id, mentioned.id]);
    expect(found.results[0]!.relevance_score).toBe(1);
    expect(found.results[1]!.relevance_score).toBeGreaterThan(0);
    expect(found.results[1]!.relevance_score).toBeLessThan(1);
  });

  it('ranks a document chunk about the query above a chunk that mentions it in passing', async () => {
    const passing = (
      await t.http('POST', '/api/rag/index', {
        title: 'Release notes',
        document_type: 'markdown',
        content: `# Release notes\n\n${filler(250)} and one word about zeppelins. ${filler(100)}\n`,
      })
    ).body;
    const about = (
      await t.http('POST', '/api/rag/index', {
        title: 'Handbook',
        document_type: 'markdown',
        content: `# Handbook\n\n${filler(200)}\n\n## Zeppelins\n\nZeppelins are rigid airships. A zeppelin floats on lifting gas.\n`,
      })
    ).body;
    const found = await search('zeppelins', { entity_types: ['document'] });
    // The passing mention sits in the overlap of a long paragraph cut in two, so it may come twice.
    expect([...new Set(ids(found))]).toEqual([about.document_id, passing.document_id]);
  });

  it('weights a title hit above a body hit across kinds', async () => {
    const note = (
      await t.http('POST', '/api/notes', { title: 'Misc', content: `${filler(40)} ocelot ${filler(40)}` })
    ).body;
    const p = (await t.http('POST', '/api/projects', { name: 'Ocelot' })).body;
    expect(ids(await search('ocelot'))).toEqual([p.id, note.id]);
  });

  it('folds case and diacritics and prefix-matches the last word', async () => {
    const note = (
      await t.http('POST', '/api/notes', { title: 'Crème brûlée', content: 'Dessert for the Café' })
    ).body;
    expect(ids(await search('CREME BRULEE'))).toEqual([note.id]);
    expect(ids(await search('brûlée café'))).toEqual([note.id]);
    expect(ids(await search('dessert caf'))).toEqual([note.id]);
    // Only the last word is a prefix: "dess" matches nothing, so the note is a partial match on "cafe".
    expect((await search('dess cafe')).results).toMatchObject([
      { id: note.id, match: 'partial', matched: ['cafe'] },
    ]);
  });

  it('marks hits in a short one-line snippet', async () => {
    await task({ title: 'Snippets', description: `${filler(200)}\n\nthe walrus\nsits ${filler(200)}` });
    const [hit] = (await search('walrus')).results;
    expect(hit!.snippet).toContain('«walrus»');
    expect(hit!.snippet).not.toContain('\n');
    expect(hit!.snippet.length).toBeLessThanOrEqual(200);
    const titleOnly = await task({ title: 'Narwhal tusk' });
    const [byTitle] = (await search('narwhal')).results;
    expect(byTitle).toMatchObject({ id: titleOnly.id, snippet: '«Narwhal» tusk' });
  });
});

describe('documents in results', () => {
  it('returns at most three chunks of one document', async () => {
    const sections = Array.from({ length: 12 }, (_, i) => `## Part ${i}\n\nThe platypus, part ${i}.\n`);
    const doc = (
      await t.http('POST', '/api/rag/index', {
        title: 'Monotremes',
        document_type: 'markdown',
        content: sections.join('\n'),
        tags: ['zoo'],
      })
    ).body;
    expect(doc.chunks_created).toBe(12);
    const found = await search('platypus', { limit: 100 });
    expect(found.results).toHaveLength(3);
    expect(found.total_results).toBe(3);
    expect(found.results.every((r) => r.id === doc.document_id && r.type === 'document')).toBe(true);
    expect(found.results[0]).toMatchObject({ title: 'Monotremes', tags: ['zoo'] });
    expect(new Set(found.results.map((r) => r.snippet)).size).toBe(3);
  });
});

describe('the index follows every write at once', () => {
  it('updated and deleted tasks leave and re-enter the index', async () => {
    const created = await task({ title: 'Capybara', tags: ['rodent'] });
    expect(ids(await search('capybara'))).toEqual([created.id]);
    expect(ids(await search('rodent'))).toEqual([created.id]);
    await t.http('PATCH', `/api/tasks/${created.id}`, { title: 'Chinchilla', tags: ['pet'] });
    expect(ids(await search('capybara'))).toEqual([]);
    expect(ids(await search('rodent'))).toEqual([]);
    expect(ids(await search('chinchilla'))).toEqual([created.id]);
    await t.http('DELETE', `/api/tasks/${created.id}`);
    expect(ids(await search('chinchilla'))).toEqual([]);
  });

  it('subtasks deleted with their parent leave the index', async () => {
    const root = await task({
      title: 'Root',
      subtasks: [{ title: 'Wombat child', subtasks: [{ title: 'Wombat grandchild' }] }],
    });
    expect((await search('wombat')).total_results).toBe(2);
    await t.http('DELETE', `/api/tasks/${root.id}`);
    expect((await search('wombat')).total_results).toBe(0);
  });

  it('notes and projects follow updates and deletes', async () => {
    const note = (await t.http('POST', '/api/notes', { title: 'Axolotl' })).body;
    await t.http('PATCH', `/api/notes/${note.id}`, { content: 'now about the tapir' });
    expect(ids(await search('tapir'))).toEqual([note.id]);
    await t.http('DELETE', `/api/notes/${note.id}`);
    expect(ids(await search('axolotl'))).toEqual([]);

    const p = (await t.http('POST', '/api/projects', { name: 'Pangolin' })).body;
    await t.http('PUT', `/api/projects/${p.id}`, { description: 'scales and a quokka' });
    expect(ids(await search('quokka'))).toEqual([p.id]);
    await t.http('DELETE', `/api/projects/${p.id}`);
    expect(ids(await search('pangolin'))).toEqual([]);
  });
});

describe('filters and paging', () => {
  it('filters by entity type and project', async () => {
    const p = (await t.http('POST', '/api/projects', { name: 'Heron project' })).body;
    const inside = await task({ title: 'Heron nest', project_id: p.id });
    const outside = await task({ title: 'Heron flight' });
    const note = (await t.http('POST', '/api/notes', { title: 'Heron note', project_id: p.id })).body;
    const doc = (
      await t.http('POST', '/api/rag/index', { title: 'Heron doc', content: 'herons', project_id: p.id })
    ).body;

    const tasks = await search('heron', { entity_types: ['task'] });
    expect(new Set(ids(tasks))).toEqual(new Set([inside.id, outside.id]));
    const scoped = await search('heron', { project_id: p.id });
    expect(new Set(ids(scoped))).toEqual(new Set([p.id, inside.id, note.id, doc.document_id]));
    const scopedDocs = await search('herons', { project_id: p.id, entity_types: ['document', 'note'] });
    expect(new Set(ids(scopedDocs))).toEqual(new Set([doc.document_id, note.id])); // heron, herons: one stem
    expect(scoped.results.every((r) => r.project_id === p.id)).toBe(true);
    const unknown = await search('heron', { project_id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.results).toEqual([]);
  });

  it('pages with limit and cursor through every result once', async () => {
    for (let i = 0; i < 7; i++) await task({ title: `Gecko ${i}`, description: 'gecko '.repeat(i) });
    const all = await search('gecko', { limit: 100 });
    expect(all.total_results).toBe(7);
    expect(all.next_cursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Results = await search('gecko', { limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.total_results).toBe(7);
      seen.push(...ids(page));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids(all));
    const scores = all.results.map((r) => r.relevance_score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('defaults to 10 results and refuses a limit over 100', async () => {
    for (let i = 0; i < 12; i++) await task({ title: `Iguana ${i}` });
    const found = await search('iguana');
    expect(found.results).toHaveLength(10);
    expect(found.total_results).toBe(12);
    expect(found.next_cursor).not.toBeNull();
    expect((await t.http('POST', '/api/search', { query: 'iguana', limit: 101 })).status).toBe(400);
  });
});

describe('query text is never query syntax', () => {
  it('answers every FTS5 syntax fragment with 200', async () => {
    await task({ title: 'Bravo and C++ notes', description: 'NEAR the bravo team' });
    const hostile = [
      'c++',
      '"bravo AND (',
      '-bravo',
      'NEAR(',
      'NEAR(bravo team, 2)',
      '*',
      '"',
      "'",
      'bravo OR',
      'title:bravo',
      '{title}: bravo',
      'bravo^2',
      ')(*&^%$#@!',
      '😀',
      '🦫 bravo 🦫',
      'x'.repeat(1000),
      `${'bravo '.repeat(200)}`.slice(0, 1000),
      'AND',
      'NOT bravo',
      'bra*',
    ];
    for (const query of hostile) {
      const res = await t.http('POST', '/api/search', { query });
      expect(res.status, query).toBe(200);
      expect(Array.isArray(res.body.results), query).toBe(true);
    }
    expect((await search('-bravo')).total_results).toBeGreaterThan(0);
    expect((await search('"bravo AND (')).results[0]!.title).toBe('Bravo and C++ notes');
  });

  it('returns an empty list for text without words', async () => {
    for (const query of ['*', '+++', '😀😀', '"()"']) {
      expect(await search(query)).toEqual({ query, total_results: 0, results: [], next_cursor: null });
    }
  });

  it('refuses an empty query with 400 naming query', async () => {
    for (const query of ['', '   ']) {
      const res = await t.http('POST', '/api/search', { query });
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('query');
    }
    expect((await t.http('POST', '/api/search', {})).body.details[0].field).toBe('query');
  });
});

describe('search over JSON-RPC', () => {
  it('answers the search method like the REST route', async () => {
    const created = await task({ title: 'Okapi sighting' });
    const res = await t.http('POST', '/rpc', {
      jsonrpc: '2.0',
      id: 7,
      method: 'search',
      params: { query: 'okapi' },
    });
    expect(res.body.result).toEqual(await search('okapi'));
    expect(res.body.result.results[0].id).toBe(created.id);
    const empty = await t.http('POST', '/rpc', {
      jsonrpc: '2.0',
      id: 8,
      method: 'search',
      params: { query: '' },
    });
    expect(empty.body.error).toMatchObject({ code: -32602, data: { details: [{ field: 'query' }] } });
  });
});
