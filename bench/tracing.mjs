// Suite — tracing cost: the same server with tracing off and on (spans exported to a local receiver that
// discards them), in one run: start-up time and throughput of a read and a write.
import { createServer } from 'node:http';
import { json, load, printTable, round, startBindery, tempDir } from './lib.mjs';

function sink() {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function timedStart(env) {
  const ws = tempDir();
  const started = performance.now();
  const bindery = await startBindery(ws.dir, env);
  return { bindery, ws, startMs: performance.now() - started };
}

export async function tracingSuite({ quick }) {
  const duration = quick ? 2 : 10;
  const receiver = await sink();
  const endpoint = `http://127.0.0.1:${receiver.address().port}`;
  const variants = [
    ['off', {}],
    ['on', { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }],
  ];
  const measured = {};
  try {
    for (const [name, env] of variants) {
      const { bindery, ws, startMs } = await timedStart(env);
      try {
        const task = await json(bindery.url, '/api/tasks', {
          method: 'POST',
          body: { title: 'traced read' },
        });
        const read = await load(bindery.url, { duration, path: `/api/tasks/${task.id}` });
        const write = await load(bindery.url, {
          duration,
          method: 'POST',
          path: '/api/tasks',
          body: { title: 'traced write' },
        });
        measured[name] = { start_ms: round(startMs, 0), read, write };
      } finally {
        await bindery.stop();
        ws.remove();
      }
    }
  } finally {
    receiver.close();
  }
  const rows = ['off', 'on'].map((name) => ({
    tracing: name,
    start_ms: measured[name].start_ms,
    'GET req/s': measured[name].read.rps,
    'GET p99_ms': measured[name].read.p99_ms,
    'POST req/s': measured[name].write.rps,
    'POST p99_ms': measured[name].write.p99_ms,
  }));
  const ratios = {
    get_on_off: round(measured.on.read.rps / measured.off.read.rps, 2),
    post_on_off: round(measured.on.write.rps / measured.off.write.rps, 2),
  };
  printTable(
    `Tracing off vs on (${duration}s per run, 10 connections): on/off GET ${ratios.get_on_off}, POST ${ratios.post_on_off}`,
    rows,
  );
  return { duration_s: duration, rows, ratios };
}
