/**
 * The docs' examples run as written: every `curl` command in README.md and docs/*.md is sent, in order, to
 * a real server (its URL in place of http://127.0.0.1:3000, `$TASK_ID` the id the first task create
 * answered) and must succeed; every JSON block must parse, and every client configuration must name this
 * package and its command.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const DOCS = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface Block {
  file: string;
  lang: string;
  text: string;
}

function blocks(): Block[] {
  const found: Block[] = [];
  for (const file of DOCS) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const match of text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
      found.push({ file, lang: match[1] ?? '', text: match[2] ?? '' });
    }
  }
  return found;
}

/** POSIX shell words of one command line: single and double quotes, backslash-newline continuations. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'" || ch === '"') {
      const end = line.indexOf(ch, i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

interface Curl {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** `-N`: an event stream, which never ends by itself. */
  stream: boolean;
}

function parseCurl(command: string): Curl {
  const words = shellWords(command);
  const curl: Curl = { method: 'GET', path: '', headers: {}, body: undefined, stream: false };
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === '-X') curl.method = words[++i]!;
    else if (word === '-H') {
      const [name, ...value] = words[++i]!.split(':');
      curl.headers[name!.trim().toLowerCase()] = value.join(':').trim();
    } else if (word === '-d') {
      curl.body = words[++i];
      if (curl.method === 'GET') curl.method = 'POST';
    } else if (word.startsWith('http://127.0.0.1:3000'))
      curl.path = word.slice('http://127.0.0.1:3000'.length);
    else if (word === '-N') curl.stream = true;
    else if (word !== '-s') throw new Error(`curl option the test does not know: ${word}`);
  }
  return curl;
}

const curls = blocks()
  .filter((b) => b.lang === 'sh' || b.lang === 'bash')
  .flatMap((b) =>
    b.text
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .filter((line) => line.trim().startsWith('curl '))
      .map((line) => ({ file: b.file, line: line.trim() })),
  );

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.stop();
  await server.remove();
});

describe('the examples in the docs', () => {
  it('has curl examples to run', () => {
    expect(curls.length).toBeGreaterThanOrEqual(8);
  });

  it('runs every curl example against a real server, in order', async () => {
    let taskId: string | undefined;
    for (const { file, line } of curls) {
      const curl = parseCurl(line.replaceAll('$TASK_ID', taskId ?? '$TASK_ID'));
      if (curl.stream) {
        // An event stream answers its headers at once and then stays open: check them, then hang up.
        const abort = new AbortController();
        const res = await fetch(`${server.url}${curl.path}`, { headers: curl.headers, signal: abort.signal });
        expect(res.status, `${file}: ${line}`).toBe(200);
        expect(res.headers.get('content-type'), `${file}: ${line}`).toContain('text/event-stream');
        abort.abort();
        continue;
      }
      const body = curl.body === undefined ? undefined : (JSON.parse(curl.body) as unknown);
      const answer = await server.http(curl.method, curl.path, body, curl.headers);
      expect(answer.status, `${file}: ${line}\n${JSON.stringify(answer.body)}`).toBeLessThan(400);
      if (curl.method === 'POST' && curl.path === '/api/tasks') taskId ??= answer.body.id;
    }
    expect(taskId).toBeDefined();
  });

  it('has valid JSON in every json block', () => {
    for (const block of blocks().filter((b) => b.lang === 'json')) {
      expect(() => JSON.parse(block.text), `${block.file}:\n${block.text}`).not.toThrow();
    }
  });

  it('configures clients with this package and its command', () => {
    const configs = blocks()
      .filter((b) => b.lang === 'json' && b.text.includes('mcpServers'))
      .flatMap(
        (b) => Object.values(JSON.parse(b.text).mcpServers) as { command?: string; args?: string[] }[],
      );
    expect(configs.length).toBeGreaterThan(0);
    for (const config of configs.filter((c) => c.command === 'npx')) {
      expect(config.args).toEqual(['-y', '--allow-scripts=better-sqlite3', pkg.name, 'mcp']);
    }
    for (const config of configs.filter((c) => c.command === 'bindery')) {
      expect(Object.keys(pkg.bin)).toContain('bindery');
      expect(config.args).toEqual(['mcp']);
    }
  });

  it('cites no file outside the repository', () => {
    for (const file of DOCS) {
      const text = readFileSync(join(root, file), 'utf8');
      expect(text, file).not.toMatch(/\bSPEC\b|\.\.\/shared\//);
    }
  });
});
