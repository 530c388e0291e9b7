import pino from 'pino';

export type Logger = pino.Logger;

const REDACTED = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '*.headers.authorization',
  'token',
  '*.token',
];

/** Logs go to stderr only: stdout may carry protocol messages (MCP stdio). */
export function createLogger(level: string, name = 'bindery'): Logger {
  // A credential never reaches a log line, whichever object carries the headers.
  const redact = { paths: REDACTED, censor: '[redacted]' };
  return pino({ name, level, redact }, pino.destination({ fd: 2, sync: false }));
}
