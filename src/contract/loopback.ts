import { isIPv4 } from 'node:net';

/**
 * Loopback is decided on the address a URL parser produced, never on the text a user or a file gave:
 * `127.1`, `0x7f.0.0.1` and `[::1]` are loopback, `127.0.0.1.evil.com` and `localhost.evil.com` are not.
 * Every layer that trusts "this stays on this machine" (the bind check, the Host check, discovery) asks here.
 */
export function isLoopbackHostname(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost') return true;
  if (name === '[::1]' || name === '::1') return true;
  return isIPv4(name) && name.startsWith('127.');
}

/** The hostname of `http://<authority>` as the WHATWG URL parser reads it, or undefined when unparseable. */
export function parsedHostname(authority: string): string | undefined {
  try {
    return new URL(`http://${authority}`).hostname;
  } catch {
    return undefined;
  }
}

/** The parsed hostname of a configured address or name (`::1` → `[::1]`, `127.1` → `127.0.0.1`). */
export function configuredHostname(host: string): string | undefined {
  return parsedHostname(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
}

/** A bind address or host name as configured (`::1`, `127.1`, `localhost`), judged after parsing. */
export function isLoopbackHost(host: string): boolean {
  const hostname = configuredHostname(host);
  return hostname !== undefined && isLoopbackHostname(hostname);
}

/** True for an `http:` URL whose parsed host is loopback and which carries no userinfo. */
export function isLoopbackUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === 'http:' &&
    parsed.username === '' &&
    parsed.password === '' &&
    isLoopbackHostname(parsed.hostname)
  );
}
