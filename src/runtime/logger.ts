import pino from 'pino';

export type Logger = pino.Logger;

/** Logs go to stderr only: stdout may carry protocol messages (MCP stdio). */
export function createLogger(level: string, name = 'bindery'): Logger {
  return pino({ name, level }, pino.destination({ fd: 2, sync: false }));
}
