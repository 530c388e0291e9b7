/**
 * MCP over stdio: one JSON-RPC message per line on stdin, one per line on stdout.
 *
 * The SDK's StdioServerTransport does not fit a server that must answer every input: it reports an
 * unparseable line or a non-JSON-RPC message to onerror only, so the client gets no answer and waits
 * forever (`"jsonrpc":"1.0"` hangs it); it buffers a line without bound; and it offers no size limit. This
 * transport answers those itself (-32700, -32600), caps a line at `maxMessageBytes` (the rest of an
 * oversized line is skipped, an error is answered and the stream goes on), and when stdin ends it lets the
 * requests in flight answer before it reports the close.
 */
import type { Readable, Writable } from 'node:stream';
import type { JSONRPCMessage, RequestId, Transport } from '@modelcontextprotocol/server';
import { RPC_INVALID_REQUEST } from '../../contract/index.js';
import type { Logger } from '../../runtime/logger.js';
import { readMessage } from './jsonrpc.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './message-size.js';
import { type ErrorReply, errorReply, isRequestId } from './reply.js';

/** How long requests in flight may take to answer once stdin has ended. */
const DRAIN_TIMEOUT_MS = 30_000;
/** Bytes kept from each end of an oversized line, to find its id. */
const EDGE_BYTES = 256;

export interface LineTransportOptions {
  input: Readable;
  output: Writable;
  maxMessageBytes?: number;
  logger: Logger;
}

/** The id of an oversized request, read from its first or last bytes (`{"jsonrpc":"2.0","id":7,…` / `…,"id":7}`). */
function idOfOversized(head: string, tail: string): RequestId | null {
  const found =
    /^\s*\{(?:\s*"(?:jsonrpc|method)"\s*:\s*"[^"\\]*"\s*,)*\s*"id"\s*:\s*(-?\d{1,15}|"[^"\\]{0,200}")/.exec(
      head,
    ) ?? /"id"\s*:\s*(-?\d{1,15}|"[^"\\]{0,200}")\s*\}\s*$/.exec(tail);
  if (!found) return null;
  const id: unknown = JSON.parse(found[1]!);
  return isRequestId(id) ? id : null;
}

export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly input: Readable;
  private readonly output: Writable;
  private readonly maxBytes: number;
  private readonly logger: Logger;
  /** Parts of the line being read; once it is oversized only its first and last bytes are kept. */
  private parts: Buffer[] = [];
  private size = 0;
  private head: Buffer | undefined;
  /** Requests handed to the server and not answered yet, counted per typed id (1 and "1" differ). */
  private readonly pending = new Map<string, number>();
  private ended = false;
  private closed = false;
  private drainTimer: NodeJS.Timeout | undefined;
  private markClosed!: () => void;
  /** Settles once the transport has closed (stdin ended and requests in flight answered, or close()). */
  readonly done = new Promise<void>((resolve) => {
    this.markClosed = resolve;
  });

  constructor(options: LineTransportOptions) {
    this.input = options.input;
    this.output = options.output;
    this.maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.logger = options.logger;
  }

  async start(): Promise<void> {
    this.input.on('data', (chunk: Buffer) => this.receive(chunk));
    this.input.on('end', () => this.inputEnded());
    this.input.on('error', (error) => {
      this.onerror?.(error);
      this.inputEnded();
    });
    // A client that went away (EPIPE) ends the session; it must not crash the process.
    this.output.on('error', (error) => {
      this.onerror?.(error);
      void this.close();
    });
  }

  async send(message: JSONRPCMessage | ErrorReply): Promise<void> {
    if (this.closed) return;
    if ('id' in message && message.id !== undefined && message.id !== null && !('method' in message)) {
      const key = keyOf(message.id);
      const count = this.pending.get(key) ?? 0;
      if (count > 1) this.pending.set(key, count - 1);
      else this.pending.delete(key);
    }
    const ok = this.output.write(`${JSON.stringify(message)}\n`);
    if (!ok) await new Promise<void>((resolve) => this.output.once('drain', resolve));
    if (this.ended && this.pending.size === 0) void this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.drainTimer);
    this.input.removeAllListeners('data');
    this.input.pause();
    this.onclose?.();
    this.markClosed();
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      this.append(chunk.subarray(start, newline));
      this.lineComplete();
      start = newline + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    this.size += part.length;
    if (this.head === undefined && this.size <= this.maxBytes) {
      this.parts.push(part);
      return;
    }
    // Oversized: from now on keep copies of the first and the last EDGE_BYTES only.
    const joined = Buffer.concat([...this.parts, part]);
    this.head ??= Buffer.from(joined.subarray(0, EDGE_BYTES));
    this.parts = [Buffer.from(joined.subarray(-EDGE_BYTES))];
  }

  private lineComplete(): void {
    const parts = this.parts;
    const head = this.head;
    const size = this.size;
    this.parts = [];
    this.size = 0;
    this.head = undefined;
    if (head !== undefined) {
      const id = idOfOversized(head.toString('latin1'), Buffer.concat(parts).toString('latin1'));
      this.logger.warn({ bytes: size, limit: this.maxBytes }, 'stdin message over the size limit skipped');
      const text = `Invalid Request: message of ${size} bytes is over the limit of ${this.maxBytes} bytes`;
      void this.send(errorReply(id, RPC_INVALID_REQUEST, text));
      return;
    }
    const text = Buffer.concat(parts).toString('utf8').trim();
    if (text === '') return;
    const inbound = readMessage(text);
    if ('reply' in inbound) {
      this.logger.debug({ error: inbound.reply.error }, 'stdin message refused');
      void this.send(inbound.reply);
      return;
    }
    const { message } = inbound;
    if ('method' in message && 'id' in message) {
      const key = keyOf(message.id);
      this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    }
    try {
      this.onmessage?.(message);
    } catch (error) {
      this.onerror?.(error as Error);
    }
  }

  private inputEnded(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.size > 0) this.lineComplete(); // a last message without a newline still counts
    if (this.pending.size === 0) {
      void this.close();
      return;
    }
    this.drainTimer = setTimeout(() => {
      this.logger.warn({ unanswered: this.pending.size }, 'stdin closed; giving up on requests in flight');
      void this.close();
    }, DRAIN_TIMEOUT_MS);
  }
}

function keyOf(id: RequestId): string {
  return `${typeof id}:${id}`;
}
