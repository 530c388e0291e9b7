/**
 * Error message sanitisation (docs/mcp.md, "Results and errors"): credentials, file paths, IP addresses and
 * ports are replaced by markers while the rest of the sentence stays as written, then the message is cut to
 * 500 chars. Every pattern is linear-time: each scan either always succeeds or stops at a character that
 * cannot continue the candidate, so a failed attempt is never rescanned from the next position.
 */
import { isIPv6 } from 'node:net';

export const MAX_MESSAGE_CHARS = 500;

// scheme://user:pass@host → scheme://host; userinfo never holds an unescaped `/`, `@` or space.
const URL_USERINFO = /:\/\/[^\s/@]+@/g;
// The credential after `Bearer`, but not the words of a sentence about one ("Missing or wrong bearer
// token.") nor a placeholder (`Bearer <token>`): those are ours, and no secret.
const OUR_WORDS = '(?:token|tokens|auth|authentication|authorization|scheme|header|credentials?)';
const BEARER = new RegExp(`\\b(Bearer)\\s+(?!${OUR_WORDS}\\.?(?![\\w.~+/=-]))[\\w.~+/=-]+`, 'gi');
// `password=…`, `token: …`, `"secret": "…"`, `api_key=…`. Short names need a word start (`monkey=3`
// is no credential), and a bare `key:` is left alone so messages like `Unknown key: "x"` stay readable.
const CREDENTIAL =
  /(pass(?:word|wd|phrase)|secret|token|(?<![a-z0-9])(?:(?:api|access|private|client|session)[_-]?key|key|pwd))("?\s*[:=]\s*)("[^"\n]*"|'[^'\n]*'|[^\s"',;&)\]}]+)/gi;
const WINDOWS_PATH = /\b[a-z]:\\[^\s"'<>|]*/gi;
const UNC_PATH = /\\\\[^\s\\"'<>|]+\\[^\s"'<>|]*/g;
// Absolute unix path with at least two segments, not part of a URL, a word or a relative path.
const UNIX_PATH = /(?:~|(?<![\w.:/\\~\]-]))(?:\/[^\s/\\'"<>()[\]{},;]+){2,}\/?/g;
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?!\\w|\\.\\d)(:\\d{1,5}(?!\\d))?`, 'g');
const IPV6_BRACKETED = /\[([0-9a-f:.]{2,45})\](:\d{1,5}(?!\d))?/gi;
// Candidates only; node:net decides what is an address (times like 12:30:45 are not).
const IPV6_BARE = /(?<![\w:.])[0-9a-f]{0,4}:[0-9a-f:.]{1,43}/gi;
const HOST_PORT = /(?<![\w.-])([a-z][\w-]*(?:\.[\w-]+)*):(\d{1,5})(?!\d)/gi;

/** Redact credentials, paths, addresses and ports, and cut the message to MAX_MESSAGE_CHARS. */
export function sanitizeMessage(message: string): string {
  const text = message
    .replace(URL_USERINFO, '://')
    .replace(BEARER, '$1 [redacted]')
    .replace(CREDENTIAL, (match, name: string, separator: string) =>
      name.toLowerCase() === 'key' && separator.includes(':') ? match : `${name}${separator}[redacted]`,
    )
    .replace(WINDOWS_PATH, (match) => marker(match, '[path]'))
    .replace(UNC_PATH, (match) => marker(match, '[path]'))
    .replace(UNIX_PATH, (match) => marker(match, '[path]'))
    .replace(IPV6_BRACKETED, (match, address: string, port?: string) =>
      isIPv6(address) ? `[ip]${port ? ':[port]' : ''}` : match,
    )
    .replace(IPV6_BARE, bareIPv6)
    .replace(IPV4, (_match, port?: string) => `[ip]${port ? ':[port]' : ''}`)
    .replace(HOST_PORT, (match, host: string, _port: string, offset: number, whole: string) =>
      host.toLowerCase() === 'localhost' || host.includes('.') || whole.slice(offset - 3, offset) === '://'
        ? `${host}:[port]`
        : match,
    );
  return truncate(text);
}

/** Length of a match without the sentence punctuation the greedy scan took along (`… at /a/b.`). */
function coreLength(match: string): number {
  let end = match.length;
  while (end > 0 && (match[end - 1] === '.' || match[end - 1] === ':')) end--;
  return end;
}

function marker(match: string, replacement: string): string {
  return replacement + match.slice(coreLength(match));
}

function bareIPv6(candidate: string, offset: number, whole: string): string {
  const next = whole[offset + candidate.length];
  if (next !== undefined && /\w/.test(next)) return candidate; // cut out of a longer token
  const end = coreLength(candidate);
  const address = candidate.slice(0, end);
  if (/[0-9a-f]/i.test(address) && isIPv6(address)) return `[ip]${candidate.slice(end)}`;
  // Node writes a port straight after a bare address: `address already in use :::3000`.
  const colon = address.lastIndexOf(':');
  if (/^\d{1,5}$/.test(address.slice(colon + 1)) && isIPv6(address.slice(0, colon))) {
    return `[ip]:[port]${candidate.slice(end)}`;
  }
  return candidate;
}

function truncate(text: string): string {
  if (text.length <= MAX_MESSAGE_CHARS) return text;
  let end = MAX_MESSAGE_CHARS - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // never split a surrogate pair
  return `${text.slice(0, end)}…`;
}
