import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
  await t.remove();
});

interface Result {
  id: string;
  type: string;
  title: string;
  snippet: string;
  relevance_score: number;
  match: 'all' | 'partial';
  matched: string[];
  chunk_index?: number;
  heading_path?: string[];
  symbol?: string;
}

const search = async (query: string, extra: Record<string, unknown> = {}): Promise<Result[]> => {
  const res = await t.http('POST', '/api/search', { query, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.results;
};
const ids = (results: Result[]) => results.map((r) => r.id);
const task = async (title: string, description = '') =>
  (await t.http('POST', '/api/tasks', { title, description })).body as { id: string };
const note = async (title: string, content: string) =>
  (await t.http('POST', '/api/notes', { title, content })).body as { id: string };
const indexDocument = async (body: Record<string, unknown>) =>
  (await t.http('POST', '/api/rag/index', body)).body as { document_id: string };

describe('all words first, then any word', () => {
  it('fills up with partial matches, most and rarest words first, and says which words matched', async () => {
    const both = await task('Quokka feeding schedule', 'the quokka eats leaves');
    const rare = await task('Quokka enclosure');
    const common = await task('Feeding the cats');
    await task('Feeding the dogs');
    const found = await search('quokka feeding');
    expect(found[0]).toMatchObject({ id: both.id, match: 'all', matched: ['quokka', 'feeding'] });
    // "quokka" is rarer than "feeding", so the task with it comes before those with "feeding".
    expect(found[1]).toMatchObject({ id: rare.id, match: 'partial', matched: ['quokka'] });
    expect(ids(found)).toContain(common.id);
    expect(found.slice(1).every((r) => r.match === 'partial')).toBe(true);
    const scores = found.map((r) => r.relevance_score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('tells all words from some up to the longest query (32 words)', async () => {
    const words = Array.from({ length: 32 }, (_, i) => `zorblax${String.fromCharCode(97 + (i % 26))}${i}`);
    const all = await task('Every word', words.join(' '));
    const some = await task('All words but the last', words.slice(0, 31).join(' '));
    const found = await search(`${words.join(' ')} `);
    expect(found[0]).toMatchObject({ id: all.id, match: 'all', matched: words });
    expect(found[1]).toMatchObject({ id: some.id, match: 'partial', matched: words.slice(0, 31) });
  });

  it('does not add partial matches when all words fill the limit', async () => {
    for (let i = 0; i < 3; i++) await task(`Ibex herd ${i}`, 'ibex migration');
    await task('Ibex alone');
    const found = await search('ibex migration', { limit: 3 });
    expect(found).toHaveLength(3);
    expect(found.every((r) => r.match === 'all')).toBe(true);
  });

  it('never needs a stop word to match, but searches a query made only of them', async () => {
    const rollback = await note(
      'Rollback',
      'To roll back a deployment run the rollback script with the previous release tag.',
    );
    const found = await search('how do we roll back a deployment');
    expect(found[0]).toMatchObject({
      id: rollback.id,
      match: 'all',
      matched: ['roll', 'back', 'deployment'],
    });
    const only = await task('What is this about');
    expect(ids(await search('what is this'))).toContain(only.id);
  });

  it('ranks query words standing together in the text above the same words apart', async () => {
    const apart = await task('Timeline', 'the launch was late; the window of the rocket was broken');
    const together = await task('Timeline', 'the rocket launch window opens at dawn; it was late');
    expect(ids(await search('rocket launch window')).slice(0, 2)).toEqual([together.id, apart.id]);
  });
});

describe('word forms', () => {
  it('finds other English forms of a word, exact forms first', async () => {
    const sessions = await task('Sessions expire after 30 minutes');
    expect((await search('session expire'))[0]).toMatchObject({ id: sessions.id, match: 'all' });
    const indexing = await task('Indexing is slow', 'the indexer runs nightly');
    const indexed = await task('Pages indexed twice');
    expect(new Set(ids(await search('index')))).toEqual(new Set([indexing.id, indexed.id]));
    const exact = await task('Running totals');
    const stemmed = await task('Runs of totals');
    expect(ids(await search('running totals')).slice(0, 2)).toEqual([exact.id, stemmed.id]);
  });

  it('finds German and French text as it did without stemming', async () => {
    const german = await note(
      'Übersetzung der Rechnungsvorlage',
      'Bitte vor dem Versand prüfen: Größe und Maße.',
    );
    const french = await note('Procédure de sauvegarde', 'Les sauvegardes sont chiffrées chaque nuit.');
    for (const query of ['rechnungsvorlage', 'Übersetzung', 'ubersetzung', 'prüfen', 'größe maße'])
      expect(ids(await search(query)), query).toContain(german.id);
    for (const query of ['procédure', 'procedure', 'sauvegarde', 'sauvegardes chiffrées', 'chiffrees nuit'])
      expect(ids(await search(query)), query).toContain(french.id);
  });
});

describe('documents and code', () => {
  it('finds a code chunk by the words of its identifiers and by the whole identifier', async () => {
    const code = [
      "'use strict'",
      '',
      'function contentTypeParser (request, payload) {',
      '  return parseBody(request.headers, payload)',
      '}',
      '',
      'function unrelatedHelper () {',
      '  return 42',
      '}',
    ].join('\n');
    const doc = await indexDocument({
      title: 'Body parsing',
      content: `${code}\n${'// padding\n'.repeat(60)}`,
      document_type: 'code',
      source_path: 'lib/content-type-parser.js',
    });
    for (const query of [
      'content type parser',
      'contentTypeParser',
      'content_type_parser',
      'content-type-parser.js',
    ]) {
      const [hit] = await search(query);
      expect(hit, query).toMatchObject({ id: doc.document_id, type: 'document', match: 'all' });
    }
    const [bySymbol] = await search('parse body');
    expect(bySymbol).toMatchObject({
      id: doc.document_id,
      symbol: expect.stringContaining('contentTypeParser'),
    });
    expect(bySymbol!.heading_path).toBeUndefined();
  });

  it('tells hits of one document apart by chunk index and heading path, headings above body', async () => {
    const doc = await indexDocument({
      title: 'Handbook',
      document_type: 'markdown',
      content: [
        '# Handbook',
        '## Deploying',
        'Ship it with the pipeline; a wombat reviews it.',
        '## Wombat care',
        'Feed them twice a day.',
      ].join('\n\n'),
    });
    const found = await search('wombat');
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ id: doc.document_id, heading_path: ['Handbook', 'Wombat care'] });
    expect(found[1]).toMatchObject({ id: doc.document_id, heading_path: ['Handbook', 'Deploying'] });
    expect(found[0]!.chunk_index).not.toBe(found[1]!.chunk_index);
    expect(found[0]!.symbol).toBeUndefined();
  });
});
