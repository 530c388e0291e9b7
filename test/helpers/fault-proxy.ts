import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does with one request. */
export type Fault =
  /** Forward it; `delayMs` holds the request back, `answerDelayMs` holds the server's answer back. */
  | { kind: 'pass'; delayMs?: number; answerDelayMs?: number }
  /** Close the connection at once: the server never sees the request. */
  | { kind: 'drop' }
  /** Answer with this status without forwarding (503, 429 with Retry-After, …). */
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  /** Forward, let the server answer (and commit), then close the connection before the client gets a byte. */
  | { kind: 'cut' }
  /** Answer with this raw body (non-JSON, truncated JSON) without forwarding. */
  | { kind: 'body'; status?: number; contentType?: string; body: string }
  /** Forward, then send only the first half of the server's answer (announcing all of it) and hang up. */
  | { kind: 'truncate' }
  /** Forward, then send the server's answer one byte every `everyMs`: never idle long, slow in total. */
  | { kind: 'trickle'; everyMs: number }
  /** Stream `bytes` of JSON-looking filler, with or without a content-length. */
  | { kind: 'flood'; bytes: number; declareLength: boolean };

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  fault: Fault['kind'];
}

export interface FaultProxy {
  url: string;
  /** Every request that reached the proxy, in order. */
  seen: SeenRequest[];
  /** How many requests reached the real server. */
  forwarded: () => number;
  /** The next requests get these faults, in order; after them `rule` (default: pass) applies again. */
  queue: (...faults: Fault[]) => void;
  /** The fault for every request the queue does not cover. */
  rule: (choose: (request: SeenRequest) => Fault) => void;
  /** Forget the requests seen, the queue and the rule. */
  reset: () => void;
  close: () => Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

function copyHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An in-process HTTP proxy on 127.0.0.1 between a client and a real Bindery server, injecting real faults on
 * real sockets: dropped connections, delays, 503/429 answers, answers cut after the server committed, and
 * malformed or huge bodies.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  let seen: SeenRequest[] = [];
  let pending: Fault[] = [];
  let choose: (request: SeenRequest) => Fault = () => ({ kind: 'pass' });
  let forwarded = 0;

  /** Sends the request to the server and resolves with its whole answer. */
  function forward(req: IncomingMessage, body: Buffer) {
    forwarded++;
    return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: copyHeaders(req.headers),
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  async function flood(res: ServerResponse, bytes: number, declareLength: boolean) {
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(declareLength ? { 'content-length': bytes } : {}),
    });
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    chunk.write('{"items":"');
    for (let sent = 0; sent < bytes && !res.destroyed; sent += chunk.length) {
      if (!res.write(chunk.subarray(0, Math.min(chunk.length, bytes - sent)))) {
        // Whichever comes first removes both listeners: a 60 MB flood waits ~60 times on one response.
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
      }
    }
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const info: SeenRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      fault: 'pass',
    };
    const fault = pending.shift() ?? choose(info);
    info.fault = fault.kind;
    seen.push(info);
    if (fault.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    switch (fault.kind) {
      case 'status': {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        res
          .writeHead(fault.status, headers)
          .end(JSON.stringify(fault.body ?? { error: 'injected', code: 'connection_error' }));
        return;
      }
      case 'body':
        res
          .writeHead(fault.status ?? 200, { 'content-type': fault.contentType ?? 'application/json' })
          .end(fault.body);
        return;
      case 'flood':
        await flood(res, fault.bytes, fault.declareLength);
        return;
      case 'cut':
        await forward(req, body);
        req.socket.destroy();
        return;
      case 'truncate': {
        const answer = await forward(req, body);
        res.writeHead(answer.status, {
          ...copyHeaders(answer.headers),
          'content-length': answer.body.length,
        });
        res.write(answer.body.subarray(0, answer.body.length >> 1), () => req.socket.destroy());
        return;
      }
      case 'trickle': {
        const answer = await forward(req, body);
        res.writeHead(answer.status, {
          ...copyHeaders(answer.headers),
          'content-length': answer.body.length,
        });
        for (const byte of answer.body) {
          if (res.destroyed) return;
          res.write(Buffer.of(byte));
          await sleep(fault.everyMs);
        }
        res.end();
        return;
      }
      case 'pass': {
        if (fault.delayMs) await sleep(fault.delayMs);
        const answer = await forward(req, body);
        if (fault.answerDelayMs) await sleep(fault.answerDelayMs);
        if (res.destroyed) return;
        res.writeHead(answer.status, copyHeaders(answer.headers)).end(answer.body);
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A client that hangs up mid-answer must not take the proxy down.
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get seen() {
      return seen;
    },
    forwarded: () => forwarded,
    queue: (...faults) => {
      pending.push(...faults);
    },
    rule: (fn) => {
      choose = fn;
    },
    reset: () => {
      seen = [];
      pending = [];
      choose = () => ({ kind: 'pass' });
      forwarded = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
