import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BinderyError } from '../contract/index.js';
import {
  IDEMPOTENCY_PENDING,
  type IdempotencyClaim,
  type IdempotencyRecord,
  type Store,
} from '../store/types.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a repeat waits for a key claimed by another server before it is refused with 409 (the client
 * does not retry 4xx, so the caller learns the request is still running), and how often it looks.
 */
const CLAIM_WAIT_MS = 10_000;
const CLAIM_POLL_MS = 25;
/**
 * A claim with no answer after this long belongs to a server that died mid-request: no request runs this
 * long (statements time out after 15 s), so the key is freed for the repeat.
 */
export const CLAIM_STALE_MS = 60_000;

/** What a repeat must match to be replayed: the route, its parameters and the body. */
export function requestHash(method: string, route: string, params: unknown, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${route}\n${JSON.stringify(params)}\n`)
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}

/**
 * Idempotency-Key (README, HTTP API): a POST (or PUT/PATCH/DELETE) carrying a key runs once; a repeat with
 * the same key and body within 24 h gets the first answer again (`Idempotent-Replayed: true`), a different
 * body is a conflict. The key is claimed in the store before the request runs, so two servers on one database
 * never both run it: the loser waits for the winner's stored answer. Within this process, requests with one
 * key also queue behind each other, so a repeat does not poll the store for its own process's answer. A
 * request that fails releases its claim, so a retry runs it afresh.
 */
export class IdempotencyGate {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly store: Store) {}

  async run(request: FastifyRequest, reply: FastifyReply, status: number, execute: () => Promise<unknown>) {
    const key = request.headers['idempotency-key'];
    if (key === undefined) {
      reply.code(status);
      return execute();
    }
    if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
      throw BinderyError.validation([{ field: 'Idempotency-Key', reason: 'must be 1-200 characters' }]);
    }
    // Registered before the first await, so a concurrent repeat always finds it.
    const previous = this.queues.get(key) ?? Promise.resolve();
    const turn = previous.catch(() => undefined).then(() => this.once(key, request, reply, status, execute));
    this.queues.set(key, turn);
    try {
      return await turn;
    } finally {
      if (this.queues.get(key) === turn) this.queues.delete(key);
    }
  }

  private async once(
    key: string,
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    execute: () => Promise<unknown>,
  ) {
    const hash = requestHash(request.method, request.routeOptions.url ?? '', request.params, request.body);
    const claimed = await this.claim(key, hash);
    if ('status' in claimed) {
      reply.code(claimed.status).header('idempotent-replayed', 'true').type('application/json');
      return claimed.body;
    }
    let result: unknown;
    try {
      result = await execute();
    } catch (error) {
      await this.store.releaseIdempotency(claimed).catch(() => undefined); // else it frees itself when stale
      throw error;
    }
    await this.store.completeIdempotency(claimed, status, JSON.stringify(result));
    reply.code(status);
    return result;
  }

  /** Our claim on `key`, or the answer stored for it (waiting while another server's request runs). */
  private async claim(key: string, hash: string): Promise<IdempotencyClaim | IdempotencyRecord> {
    const deadline = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      const claim = { key, request_hash: hash, created_at: new Date().toISOString() };
      const stored = await this.store.claimIdempotency(claim);
      if (!stored) return claim;
      const age = Date.now() - Date.parse(stored.created_at);
      if (age >= IDEMPOTENCY_TTL_MS) {
        await this.purgeExpired();
        continue;
      }
      if (stored.request_hash !== hash) {
        throw BinderyError.conflict('This Idempotency-Key was already used with a different request body.', [
          { field: 'Idempotency-Key', reason: 'reused with a different body' },
        ]);
      }
      if (stored.status !== IDEMPOTENCY_PENDING) return stored;
      if (age >= CLAIM_STALE_MS) {
        await this.store.releaseIdempotency(stored);
        continue;
      }
      if (Date.now() >= deadline) {
        throw BinderyError.conflict('A request with this Idempotency-Key is still running; retry later.', [
          { field: 'Idempotency-Key', reason: 'in use by a request that has not answered yet' },
        ]);
      }
      await sleep(CLAIM_POLL_MS);
    }
  }

  purgeExpired(): Promise<number> {
    return this.store.purgeIdempotency(new Date(Date.now() - IDEMPOTENCY_TTL_MS).toISOString());
  }
}
