import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../helpers/server.js';
import { useServerPair } from '../helpers/server-pair.js';

/**
 * Two `bindery serve` on one PostgreSQL schema behind a "load balancer": keyed creates go to A; A is
 * killed with -9 under load, and every request it did not answer is retried with the same key on B.
 */
const pair = useServerPair('SIGKILL');

const WRITERS = 8;
const PER_WRITER = 25;

describe('Idempotency-Key across a kill -9 of one of two servers', () => {
  it('no create runs twice, and no retry is told "still running" once the owner is dead', async () => {
    const answers = new Map<string, HttpResponse>();
    let stillRunning = 0;
    let acknowledgedByA = 0;
    let killed = false;
    const send = async (key: string, title: string) => {
      const body = { title, tags: ['crash'] };
      const headers = { 'idempotency-key': key };
      try {
        if (!killed) {
          const res = await pair.a('POST', '/api/tasks', body, headers);
          acknowledgedByA++;
          return res;
        }
      } catch {
        // A died with the request in flight: the load balancer retries it on B with the same key.
      }
      for (;;) {
        const res = await pair.b('POST', '/api/tasks', body, headers);
        if (res.status !== 409) return res;
        stillRunning++;
      }
    };
    const writers = Array.from({ length: WRITERS }, async (_, writer) => {
      for (let i = 0; i < PER_WRITER; i++) {
        const key = `crash-${writer}-${i}`;
        answers.set(key, await send(key, key));
      }
    });
    const killer = (async () => {
      while (acknowledgedByA < 40) await new Promise((resolve) => setTimeout(resolve, 5));
      pair.servers[0].proc.kill('SIGKILL');
      killed = true;
    })();
    await Promise.all([...writers, killer]);

    expect([...answers.values()].map((res) => res.status)).toEqual(Array(WRITERS * PER_WRITER).fill(201));
    const listed = await pair.b('GET', '/api/tasks?tag=crash&limit=500');
    const titles = listed.body.items.map((task: { title: string }) => task.title);
    const duplicates = titles.length - new Set(titles).size;
    console.info(
      `crash scenario: ${answers.size} keyed creates, ${acknowledgedByA} answered by A before kill -9, ` +
        `${duplicates} duplicates, ${stillRunning} "still running"`,
    );
    expect(duplicates).toBe(0);
    expect(stillRunning).toBe(0);
    expect(new Set(titles)).toEqual(new Set(answers.keys()));
    // Every answer names the task that exists under its title.
    const ids = new Map(
      listed.body.items.map((task: { id: string; title: string }) => [task.title, task.id]),
    );
    for (const [key, res] of answers) expect(res.body.id).toBe(ids.get(key));
  });
});
