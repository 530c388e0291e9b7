/**
 * Raw bytes on the stdin of the built `bindery mcp`: every input gets an answer, the stream survives
 * anything, stdout carries only JSON-RPC messages and the process exits cleanly when stdin closes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/process.js';

interface Message {
  jsonrpc: string;
  id?: string | number | null;
  result?: any;
  error?: { code: number; message: string };
}

/** `bindery mcp` driven by hand: write bytes, read parsed stdout lines. */
class RawMcp {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  private readonly messages: Message[] = [];
  private readonly waiting: (() => void)[] = [];
  private buffered = '';
  stdoutLines: string[] = [];
  stderr = '';

  constructor(env: Record<string, string> = {}) {
    this.proc = spawn(process.execPath, [CLI, 'mcp'], {
      // Nothing listens on port 9: protocol handling needs no backend.
      env: { ...process.env, BINDERY_URL: 'http://127.0.0.1:9', BINDERY_LOG_LEVEL: 'warn', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) =>
      this.proc.on('exit', (code) => {
        resolve(code);
        for (const wake of this.waiting.splice(0)) wake();
      }),
    );
    this.proc.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.proc.stdout!.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString();
      let newline = this.buffered.indexOf('\n');
      while (newline !== -1) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        this.stdoutLines.push(line);
        this.messages.push(JSON.parse(line));
        for (const wake of this.waiting.splice(0)) wake();
        newline = this.buffered.indexOf('\n');
      }
    });
  }

  write(data: string | Buffer): void {
    this.proc.stdin!.write(data);
  }

  send(message: object): void {
    this.write(`${JSON.stringify(message)}\n`);
  }

  /** The next message on stdout; fails at once if the process has ended without one. */
  async next(): Promise<Message> {
    while (this.messages.length === 0) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null)
        throw new Error(`bindery mcp exited (${this.proc.exitCode}): ${this.stderr}`);
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
    return this.messages.shift()!;
  }

  async ping(id: number | string): Promise<void> {
    this.send({ jsonrpc: '2.0', id, method: 'ping' });
    expect(await this.next()).toEqual({ jsonrpc: '2.0', id, result: {} });
  }

  async initialize(): Promise<void> {
    this.send({
      jsonrpc: '2.0',
      id: 'init',
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    expect((await this.next()).result.serverInfo.name).toBe('bindery');
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  callTool(id: number, name: string, args: unknown): string {
    return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
  }
}

const running: RawMcp[] = [];
async function start(env?: Record<string, string>): Promise<RawMcp> {
  const mcp = new RawMcp(env);
  running.push(mcp);
  await mcp.initialize();
  return mcp;
}

afterEach(() => {
  for (const mcp of running.splice(0)) mcp.proc.kill('SIGKILL');
});

describe('bindery mcp on raw stdin', () => {
  it('answers an unparseable line with -32700 and id null, then goes on', async () => {
    const mcp = await start();
    for (const line of ['garbage', '{"jsonrpc":"2.0","id":1,', '{]', "{'single':1}", 'nul\u0000l']) {
      mcp.write(`${line}\n`);
      const answer = await mcp.next();
      expect(answer).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    }
    mcp.write(Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x0a]));
    expect((await mcp.next()).error!.code).toBe(-32700);
    await mcp.ping(2);
  });

  it('answers an invalid request with -32600, with its id when it has a valid one', async () => {
    const mcp = await start();
    const cases: [unknown, string | number | null][] = [
      [{ jsonrpc: '1.0', id: 7, method: 'ping' }, 7],
      [{ id: 'x', method: 'ping' }, 'x'],
      [{ jsonrpc: '2.0', id: 8, method: 42 }, 8],
      [{ jsonrpc: '2.0', id: 9, method: 'ping', params: [1, 2] }, 9],
      [{ jsonrpc: '2.0', id: { nested: true }, method: 'ping' }, null],
      [{ jsonrpc: '2.0', id: 1.5, method: 'ping' }, null],
      [{ jsonrpc: '1.0', method: 'notifications/initialized' }, null],
      [{ jsonrpc: '2.0' }, null],
      [42, null],
      ['text', null],
      [null, null],
      [[], null],
      [[{ jsonrpc: '2.0', id: 3, method: 'ping' }], null],
    ];
    for (const [message, id] of cases) {
      mcp.send(message as object);
      const answer = await mcp.next();
      expect(answer, JSON.stringify(message)).toMatchObject({ jsonrpc: '2.0', id, error: { code: -32600 } });
    }
    mcp.send({ jsonrpc: '2.0', id: 10, method: 'no/such/method' });
    expect((await mcp.next()).error!.code).toBe(-32601);
    await mcp.ping(11);
  });

  it('answers an unknown tool with -32602 naming it', async () => {
    const mcp = await start();
    mcp.write(`${mcp.callTool(4, 'drop_database', {})}\n`);
    const answer = await mcp.next();
    expect(answer).toMatchObject({ id: 4, error: { code: -32602 } });
    expect(answer.error!.message).toContain('"drop_database"');
  });

  it('answers protocol-level invalid params with -32602 and one sentence, never a schema dump', async () => {
    const raw = new RawMcp();
    running.push(raw);
    raw.send({
      jsonrpc: '2.0',
      id: 'bad-init',
      method: 'initialize',
      params: { capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    const init = await raw.next();
    expect(init).toMatchObject({ id: 'bad-init', error: { code: -32602 } });
    expect(init.error!.message).toBe(
      'Invalid params for initialize: protocolVersion: Invalid input: expected string, received undefined.',
    );
    const mcp = await start();
    mcp.send({ jsonrpc: '2.0', id: 'level', method: 'logging/setLevel', params: { level: 'loudest' } });
    const level = await mcp.next();
    expect(level).toMatchObject({ id: 'level', error: { code: -32602 } });
    expect(level.error!.message).toMatch(/^Invalid params for logging\/setLevel: level: [^\n{[]+\.$/);
    await mcp.ping(13);
  });

  it('a message over the size limit gets an error with its id and the stream goes on', async () => {
    const mcp = await start({ MCP_MAX_MESSAGE_BYTES: '65536' });
    const title = 'x'.repeat(200_000);
    // The SDK client's field order puts the id last; a hand-written message often has it first.
    mcp.write(`${mcp.callTool(12, 'create_task', { task_input: { title } })}\n`);
    const last = await mcp.next();
    expect(last).toMatchObject({ id: 12, error: { code: -32600 } });
    expect(last.error!.message).toMatch(/over the limit of 65536 bytes/);
    mcp.write(`{"jsonrpc":"2.0","id":"first","method":"tools/call","params":{"x":"${title}"}}\n`);
    expect(await mcp.next()).toMatchObject({ id: 'first', error: { code: -32600 } });
    mcp.write(`{"padding":"${title}"}\n`);
    expect(await mcp.next()).toMatchObject({ id: null, error: { code: -32600 } });
    await mcp.ping(13);
  });

  it('default limit: an 11 MiB argument is answered as a tool error, a 17 MiB line as -32600, and it goes on', async () => {
    const mcp = await start();
    mcp.write(
      `${mcp.callTool(20, 'create_task', { task_input: { title: 'y'.repeat(11 * 1024 * 1024) } })}\n`,
    );
    const big = await mcp.next();
    expect(big.id).toBe(20);
    expect(big.result.isError).toBe(true);
    expect(big.result.structuredContent).toMatchObject({
      error_code: 'validation_error',
      operation: 'create_task',
    });
    expect(big.result.structuredContent.context.details[0].field).toBe('task_input.title');

    mcp.write(`${mcp.callTool(21, 'create_task', { task_input: 'z'.repeat(17 * 1024 * 1024) })}\n`);
    expect(await mcp.next()).toMatchObject({ id: 21, error: { code: -32600 } });
    await mcp.ping(22);
    expect(mcp.proc.exitCode).toBeNull();
  });

  it('deeply nested arguments are a structured validation error, not a crash', async () => {
    const mcp = await start();
    const depth = 100_000;
    const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    mcp.write(
      `{"jsonrpc":"2.0","id":30,"method":"tools/call","params":{"name":"create_task","arguments":{"task_input":{"title":"t","labels":${nested}}}}}\n`,
    );
    const answer = await mcp.next();
    expect(answer.result.structuredContent).toMatchObject({ error_code: 'validation_error' });
    expect(answer.result.structuredContent.context.details[0].reason).toMatch(/nested/);
    mcp.write(
      `${mcp.callTool(31, 'create_task', { task_input: `[${'['.repeat(depth)}${']'.repeat(depth)}]` })}\n`,
    );
    expect((await mcp.next()).result.structuredContent.error_code).toBe('validation_error');
    await mcp.ping(32);
  });

  it('reads messages split across writes, several per write, with CRLF and blank lines', async () => {
    const mcp = await start();
    const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });
    const text = `${ping(40)}\r\n\n   \n${ping(41)}\n${ping(42)}\n`;
    for (let i = 0; i < text.length; i += 7) mcp.write(text.slice(i, i + 7));
    const ids = [(await mcp.next()).id, (await mcp.next()).id, (await mcp.next()).id];
    expect(ids).toEqual([40, 41, 42]);
    const multibyte = JSON.stringify({ jsonrpc: '2.0', id: 'ü€😀', method: 'ping' });
    const bytes = Buffer.from(`${multibyte}\n`);
    for (let i = 0; i < bytes.length; i++) mcp.write(bytes.subarray(i, i + 1));
    expect((await mcp.next()).id).toBe('ü€😀');
  });

  it('stdout carries only JSON-RPC messages; logs go to stderr', async () => {
    const mcp = await start({ BINDERY_LOG_LEVEL: 'debug' });
    mcp.write('garbage\n');
    mcp.write(`${mcp.callTool(50, 'get_task', { task_id: 'nope' })}\n`);
    mcp.write(`${mcp.callTool(51, 'create_task', { task_input: { title: '<script>x</script>' } })}\n`);
    await mcp.next();
    await mcp.next();
    await mcp.next();
    expect(mcp.stderr).toContain('"level":');
    for (const line of mcp.stdoutLines) expect(JSON.parse(line).jsonrpc).toBe('2.0');
  });

  it('exits cleanly when stdin closes, after answering what it was sent', async () => {
    const mcp = new RawMcp();
    running.push(mcp);
    const started = Date.now();
    // The last message has no newline: stdin's end completes it.
    mcp.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 60, method: 'ping' })}\n{"jsonrpc":"2.0","id":61,"method":"ping"}`,
    );
    mcp.proc.stdin!.end();
    expect(await mcp.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(mcp.stdoutLines.map((line) => JSON.parse(line).id)).toEqual([60, 61]);
  });
});
