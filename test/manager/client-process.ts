import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/client.mjs');

export interface ClientEvent {
  event: 'ready' | 'restart' | 'failure' | 'error';
  [key: string]: any;
}

export interface ClientProcess {
  proc: ChildProcess;
  events: ClientEvent[];
  /** Resolves with the first event of that kind (already seen or still to come). */
  next: (kind: ClientEvent['event'], timeoutMs?: number) => Promise<ClientEvent>;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** A separate process holding a manager lease, so tests can kill it with real signals. */
export function spawnClient(workspace: string, env: Record<string, string> = {}): ClientProcess {
  const proc = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, BINDERY_WORKSPACE: workspace, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const events: ClientEvent[] = [];
  const waiters: (() => void)[] = [];
  let out = '';
  let err = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const lines = out.split('\n');
    out = lines.pop()!;
    for (const line of lines) events.push(JSON.parse(line));
    for (const wake of waiters.splice(0)) wake();
  });
  proc.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
  const next = (kind: ClientEvent['event'], timeoutMs = 40_000) =>
    new Promise<ClientEvent>((found, fail) => {
      const timer = setTimeout(() => fail(new Error(`no "${kind}" event; stderr: ${err}`)), timeoutMs);
      const look = () => {
        const event = events.find((e) => e.event === kind || (kind === 'ready' && e.event === 'error'));
        if (event) {
          clearTimeout(timer);
          found(event);
        } else waiters.push(look);
      };
      look();
    });
  return { proc, events, next, exited, stderr: () => err };
}
