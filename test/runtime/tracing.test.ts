/**
 * Tracing through real processes: `bindery mcp` and `bindery serve` export spans over OTLP/HTTP to a
 * receiver this test runs, and one trace follows a tool call from the MCP process into the server's store.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSpawnedServers } from '../helpers/process.js';
import { httpHelper } from '../helpers/server.js';
import { stdioClient } from '../mcp/helpers.js';

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
}

/** A minimal OTLP/HTTP trace receiver: collects the spans of every JSON export it is sent. */
function otlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const payload = JSON.parse(body) as { resourceSpans: any[] };
      for (const resource of payload.resourceSpans) {
        const service = resource.resource.attributes.find((a: any) => a.key === 'service.name').value
          .stringValue as string;
        for (const scope of resource.scopeSpans) {
          for (const span of scope.spans) {
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server }),
    ),
  );
}

let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
const spawnServer = useSpawnedServers();

beforeAll(async () => {
  receiver = await otlpReceiver();
});
afterAll(() => {
  receiver.server.close();
});

/** A server whose every resolved import is recorded; `imported()` answers the OpenTelemetry ones. */
async function serve(env: Record<string, string>) {
  const hook = pathToFileURL(join(import.meta.dirname, 'fixtures', 'record-imports.mjs')).href;
  const server = await spawnServer({ NODE_OPTIONS: `--import ${hook}`, ...env });
  const imported = () =>
    readFileSync(join(server.workspace, 'imports.txt'), 'utf8')
      .split('\n')
      .filter((specifier) => specifier.includes('@opentelemetry'));
  return { ...server, imported };
}

async function until<T>(find: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline)
      throw new Error(`not received within ${ms} ms: ${JSON.stringify(receiver.spans)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('OpenTelemetry tracing', () => {
  it('follows one tool call: MCP tool → client request → server request → operation → store', async () => {
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
    const server = await serve(otel);
    const { client } = await stdioClient({ BINDERY_URL: server.url, ...otel });
    try {
      await client.callTool({ name: 'create_task', arguments: { title: 'traced' } });
    } finally {
      await client.close();
    }
    const tool = await until(() => receiver.spans.find((s) => s.name === 'tool create_task'));
    const inTrace = () => receiver.spans.filter((s) => s.traceId === tool.traceId);
    const childOf = (parent: ReceivedSpan, name: RegExp) =>
      until(() => inTrace().find((s) => s.parentSpanId === parent.spanId && name.test(s.name)));
    expect(tool).toMatchObject({ service: 'bindery-mcp', parentSpanId: undefined });
    const request = await childOf(tool, /^client create_task$/);
    expect(request.service).toBe('bindery-mcp');
    const handled = await childOf(request, /^POST \/api\/tasks$/);
    expect(handled.service).toBe('bindery-server');
    const operation = await childOf(handled, /^operation create_task$/);
    const store = await childOf(operation, /^store /);
    expect(store.service).toBe('bindery-server');
  }, 60_000);

  it('an unreachable collector loses spans and logs a line, and never fails a request', async () => {
    const server = await serve({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const http = httpHelper(server.url);
    for (let i = 0; i < 5; i++)
      expect((await http('POST', '/api/tasks', { title: `t${i}` })).status).toBe(201);
    await until(() => (server.stderr().includes('tracing export failed') ? true : undefined));
    expect((await http('GET', '/health')).status).toBe(200);
    expect(server.imported()).toContain('@opentelemetry/sdk-trace-node');
  }, 60_000);

  it('off (no endpoint), a server loads none of the OpenTelemetry SDK while it serves', async () => {
    const server = await serve({});
    const http = httpHelper(server.url);
    const created = await http('POST', '/api/tasks', { title: 'untraced' });
    expect((await http('GET', `/api/tasks/${created.body.id}`)).status).toBe(200);
    // The no-op API package, which prom-client's process metrics require whether or not we trace, is inside
    // the CLI bundle; the SDK's packages stay outside it (scripts/bundle-cli.mjs), so loading one shows here.
    expect(server.imported()).toEqual([]);
  }, 60_000);
});
