import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TERMS } from '../../src/store/search-rules.js';
import {
  fold,
  foldBeyondAscii,
  identifierWords,
  isPlain,
  parseQuery,
  snippet,
  TermFinder,
} from '../../src/store/search-text.js';

const words = (text: string) => parseQuery(text)?.terms.map((t) => t.word) ?? null;

describe('parseQuery: user text is never query syntax', () => {
  it('keeps only words; operators and punctuation separate them', () => {
    expect(words('"bravo AND (')).toEqual(['bravo']); // "and" is a stop word
    expect(words('c++ & !bravo | <-> wal')).toEqual(['c', 'bravo', 'wal']);
    expect(words('title:x* NEAR(')).toEqual(['title', 'x', 'near']);
    for (const text of ['*', '"', '😀', '()', '+-^:']) expect(parseQuery(text)).toBeNull();
  });

  it('drops stop words unless nothing else is left, and repeats, and keeps at most MAX_TERMS', () => {
    expect(words('how do we roll back a deployment')).toEqual(['roll', 'back', 'deployment']);
    expect(words('what is this')).toEqual(['what', 'is', 'this']);
    expect(words('Quokka quokka QUOKKA')).toEqual(['quokka']);
    expect(words(Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '))).toHaveLength(MAX_TERMS);
  });

  it('folds case and diacritics, splits camelCase, and makes the last word typed a prefix', () => {
    const plan = parseQuery('Crème contentTypeParser')!;
    expect(plan.terms.map((t) => [t.word, t.prefix])).toEqual([
      ['creme', null],
      ['content', null],
      ['type', null],
      ['parser', 'parser'],
    ]);
    expect(parseQuery('deploy x')!.terms.map((t) => t.prefix)).toEqual([null, null]); // one letter
    // The prefix is what the word shares with its stem: deploy → deploi, but deployment → deploy.
    expect(parseQuery('deploy')!.terms[0]!.prefix).toBe('deplo');
    expect(parseQuery('sessions expiring')!.terms.map((t) => t.stem)).toEqual(['session', 'expir']);
  });

  it('holds for any text: every term is letters and digits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        for (const term of parseQuery(text)?.terms ?? []) expect(term.word).toMatch(/^[\p{L}\p{N}]+$/u);
      }),
    );
  });
});

describe('identifier words', () => {
  it('splits camelCase and PascalCase identifiers, leaving plain words alone', () => {
    expect(identifierWords('const contentTypeParser = new HTTPServer(x) // plain words')).toBe(
      'content Type Parser ; HTTP Server',
    );
    expect(identifierWords('snake_case and kebab-case split by themselves')).toBe('');
    expect(identifierWords('größeBerechnen, ÉtatCivil, v2Parser, ABC1 and 𝐀bc𝐀Def')).toBe(
      'größe Berechnen ; État Civil ; v2 Parser ; 𝐀bc 𝐀 Def',
    );
  });
});

describe('finding terms and cutting snippets', () => {
  it('folds without changing the length, so hits point into the original text', () => {
    const text = 'Die Größe der Crème brûlée';
    expect(fold(text)).toHaveLength(text.length);
    const hits = new TermFinder(parseQuery('creme brulee')!.terms).find(fold(text));
    expect(hits.map((h) => text.slice(h.start, h.end))).toEqual(['Crème', 'brûlée']);
  });

  it('folds a text whose other characters stay as they are (box drawing, dashes) like any other', () => {
    expect(fold('├── Plugins — HOOKS ▶ 😀')).toBe('├── plugins — hooks ▶ 😀');
    // One character that decomposes (ℹ → i, a no-break space → a space) sends it down the slow path.
    expect(fold('ℹ\u00a0Crème ─ Señor')).toBe('i creme ─ senor');
  });

  it('finds exact forms, other forms of the word (weighted less) and the typed prefix', () => {
    const finder = new TermFinder(parseQuery('session expire deplo')!.terms);
    const hits = finder.find(fold('Sessions expired; session expire; deployment'));
    expect(hits.map((h) => [h.term, h.weight])).toEqual([
      [0, 0.7],
      [1, 0.7],
      [0, 1],
      [1, 1],
      [2, 0.7],
    ]);
  });

  it('marks the hits in one line of at most 200 characters, around the richest window', () => {
    const text = `${'filler words here '.repeat(30)}\nthe walrus\nand the seal ${'more text '.repeat(30)}`;
    const finder = new TermFinder(parseQuery('walrus seal')!.terms);
    const cut = snippet(text, finder.find(fold(text)));
    expect(cut).toMatch(/^….*«walrus» and the «seal».*…$/);
    expect(cut).not.toContain('\n');
    expect(cut.length).toBeLessThanOrEqual(200);
  });

  it('tells plain text, which is searched as it is, from text that must be composed or folded first', () => {
    for (const text of ['', 'Plain ASCII', '├── Plugins — HOOKS ▶ ← “quoted” 50 €', 'zwischen\u200dwords'])
      expect(isPlain(text)).toBe(true);
    // Capitals and diacritics outside ASCII, compatibility forms (ℹ → i, a no-break space → a space), a
    // combining mark, a conjoining Hangul vowel, an emoji (a surrogate pair).
    for (const text of ['Crème', 'ÉTÉ', 'ℹ Note', 'a\u00a0b', 'cafe\u0301', '\u1100\u1161', 'ok 😀'])
      expect(isPlain(text)).toBe(false);
  });

  it('finds the same hits in plain text, or text folded beyond ASCII, as in its folded form', () => {
    const finder = new TermFinder(parseQuery('service sessions deplo')!.terms);
    const texts = [
      '┌─ SERVICE ─┐ Services → Sessions expire; the SESSION’s deployment — redeploy Deploying',
      'Serviceable servicing: service-level, SERVICES and deplo.',
    ];
    for (const text of texts) {
      expect(isPlain(text)).toBe(true);
      expect(finder.findIgnoringCase(text)).toEqual(finder.find(fold(text)));
      expect(finder.findIgnoringCase(text).length).toBeGreaterThan(3);
    }
    // Only ASCII case is ignored: a final sigma is not the other sigma, as in folded text.
    const greek = new TermFinder(parseQuery('λογοσ')!.terms);
    expect(isPlain('the λογος here')).toBe(true);
    expect(greek.findIgnoringCase('the λογος here')).toEqual([]);
    expect(greek.findIgnoringCase('the λογοσ here')).toHaveLength(1);
    const other = 'ℹ️ SERVICE: Crème SESSIONS\u00a0expire, ÉTÉ İstanbul — ſervice, DÉPLOYMENT deplo';
    expect(isPlain(other)).toBe(false);
    const folded = foldBeyondAscii(other);
    expect(folded).toBe('i️ SERVICE: Creme SESSIONS expire, eTe istanbul — service, DePLOYMENT deplo');
    expect(finder.findIgnoringCase(folded)).toEqual(finder.find(fold(other)));
    expect(finder.findIgnoringCase(folded).length).toBeGreaterThan(4);
  });

  it('judges every character alike: a plain one folds to itself and composes with nothing before it', () => {
    const wrong: string[] = [];
    let plain = 0;
    for (let code = 0x80; code <= 0xffff; code++) {
      const c = String.fromCharCode(code);
      if (!isPlain(c)) continue;
      plain++;
      if (fold(`A${c}`) !== `a${c}`) wrong.push(c);
      for (const before of ['e', 'a', '\u1100', '\uac00'])
        if (`${before}${c}`.normalize('NFC') !== `${before}${c}`) wrong.push(`${before}${c}`);
    }
    expect(wrong).toEqual([]);
    expect(plain).toBeGreaterThan(10_000);
  });
});
