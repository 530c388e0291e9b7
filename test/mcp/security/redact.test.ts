import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS, sanitizeMessage } from '../../../src/mcp/security/redact.js';

describe('sanitizeMessage', () => {
  it.each([
    [
      "ENOENT: no such file or directory, open '/home/alice/project/.vespera/tasks.db'",
      "ENOENT: no such file or directory, open '[path]'",
    ],
    ['Cannot read /etc/bindery/config.json.', 'Cannot read [path].'],
    ['See ~/.vespera/roles.json: bad role', 'See [path]: bad role'],
    ['C:\\Users\\bob\\secrets.txt not found', '[path] not found'],
    ['share \\\\fileserver\\team\\notes.md is offline', 'share [path] is offline'],
  ])('redacts file paths: %j', (message, expected) => {
    expect(sanitizeMessage(message)).toBe(expected);
  });

  it.each([
    ['login failed: password=hunter2 rejected', 'login failed: password=[redacted] rejected'],
    ['token: abc.def-ghi expired', 'token: [redacted] expired'],
    ['secret=s3cr3t&mode=1', 'secret=[redacted]&mode=1'],
    ['key=abc123, retrying', 'key=[redacted], retrying'],
    ['api_key: 123 and X-API-KEY=456', 'api_key: [redacted] and X-API-KEY=[redacted]'],
    ['PGPASSWORD=pw BINDERY_TOKEN=t', 'PGPASSWORD=[redacted] BINDERY_TOKEN=[redacted]'],
    ['body {"password": "p w", "ok": 1}', 'body {"password": [redacted], "ok": 1}'],
    ['Authorization: Bearer xyz was refused', 'Authorization: Bearer [redacted] was refused'],
    // Our own sentence about the header names no secret; a token that merely starts with a word does.
    ['Missing or wrong bearer token.', 'Missing or wrong bearer token.'],
    ['Send Authorization: Bearer <BINDERY_TOKEN>.', 'Send Authorization: Bearer <BINDERY_TOKEN>.'],
    ['Bearer token123 refused', 'Bearer [redacted] refused'],
    [
      'cannot connect to postgres://user:pa:ss@db.internal:5432/app',
      'cannot connect to postgres://db.internal:[port]/app',
    ],
  ])('redacts credentials: %j', (message, expected) => {
    expect(sanitizeMessage(message)).toBe(expected);
  });

  it.each([
    ['connect ECONNREFUSED 127.0.0.1:3000', 'connect ECONNREFUSED [ip]:[port]'],
    ['host 10.0.0.255 unreachable', 'host [ip] unreachable'],
    [
      'listen EADDRINUSE: address already in use :::3000',
      'listen EADDRINUSE: address already in use [ip]:[port]',
    ],
    ['connect ECONNREFUSED ::1', 'connect ECONNREFUSED [ip]'],
    ['peer [::1]:8080 closed', 'peer [ip]:[port] closed'],
    ['from fe80::1ff:fe23:4567:890a.', 'from [ip].'],
    ['via 2001:db8::8a2e:370:7334 and ::ffff:192.0.2.1', 'via [ip] and [ip]'],
    ['backend at localhost:3000 is down', 'backend at localhost:[port] is down'],
    ['GET http://db:5432/health failed', 'GET http://db:[port]/health failed'],
  ])('redacts addresses and ports: %j', (message, expected) => {
    expect(sanitizeMessage(message)).toBe(expected);
  });

  it.each([
    'No task with id 3f2b1c4d-1234-4abc-8def-0123456789ab.',
    'Invalid input: task_input.title: must be at most 500 characters',
    'due_at 2026-01-31T12:00:00.000Z is in the past; meeting at 12:30:45',
    'Unknown key: "colour" in labels; monkey=3 is fine',
    'version 1.2.3 or 999.1.1.1 is not an address; MAC 00:1a:2b:3c:4d:5e',
    'GET https://example.com/api/tasks failed with 502',
    'and/or 1/2/3 src/mcp/server.ts is relative; /tmp has one segment',
    'Basic checks passed: 5 of 6; Type::Name stays',
    'the tokens in the request: 4096',
  ])('leaves ordinary sentences intact: %j', (message) => {
    expect(sanitizeMessage(message)).toBe(message);
  });

  it('cuts long messages to 500 characters with an ellipsis', () => {
    expect(sanitizeMessage('x'.repeat(MAX_MESSAGE_CHARS))).toBe('x'.repeat(500));
    const cut = sanitizeMessage('y'.repeat(501));
    expect(cut).toHaveLength(500);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('redacts before cutting and never splits a surrogate pair', () => {
    expect(sanitizeMessage(`${'a'.repeat(497)}😀 token=abc`)).toBe(`${'a'.repeat(497)}😀…`);
    expect(sanitizeMessage(`${'a'.repeat(498)}😀 token=abc`)).toBe(`${'a'.repeat(498)}…`);
    expect(sanitizeMessage(`at /home/u/${'d'.repeat(1000)} password=x`)).toBe(
      'at [path] password=[redacted]',
    );
  });

  describe('adversarial input', () => {
    const n = 100_000;
    const texts: Record<string, string> = {
      'dotted words': 'a.'.repeat(n / 2),
      slashes: '/a'.repeat(n / 2),
      'double slashes': '//'.repeat(n / 2),
      tildes: '~/'.repeat(n / 2),
      'scheme separators': '://a'.repeat(n / 4),
      'credential names': 'password='.repeat(n / 9),
      'open quotes': 'token="'.repeat(n / 7),
      colons: ':'.repeat(n),
      'hex and colons': 'a:'.repeat(n / 2),
      brackets: '[::'.repeat(n / 3),
      octets: '1.'.repeat(n / 2),
      'drive letters': 'C:\\'.repeat(n / 3),
      backslashes: '\\'.repeat(n),
      'host ports': 'a-b.c:'.repeat(n / 6),
      bearer: `Bearer ${' '.repeat(n)}`,
      word: 'k'.repeat(n),
    };

    it.each(Object.entries(texts))('handles %s in well under a second', (_name, text) => {
      const started = performance.now();
      expect(sanitizeMessage(text).length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
      expect(performance.now() - started).toBeLessThan(1000);
    });
  });
});
