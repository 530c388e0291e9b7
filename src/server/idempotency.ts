import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BinderyError } from '../contract/index.js';
import type { Store } from '../store/types.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * SPEC §2 Idempotency-Key: a POST (or PUT/PATCH/DELETE) carrying a key runs once; a repeat with the same key and body within
 * 24 h gets the first answer again (`Idempotent-Replayed: true`), a different body is a conflict. Answers
 * live in the store so they survive restarts. Requests with one key run one after another in this process:
 * a repeat that arrives while the first still runs (a client retrying after its timeout) waits for the stored
 * answer instead of slipping past the lookup and executing a second time.
 */
export class IdempotencyGate {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

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
    const hash = createHash('sha256')
      .update(`${request.method} ${request.routeOptions.url}\n${JSON.stringify(request.params)}\n`)
      .update(JSON.stringify(request.body ?? null))
      .digest('hex');
    let stored = await this.store.getIdempotency(key);
    if (stored && Date.parse(stored.created_at) <= this.now().getTime() - IDEMPOTENCY_TTL_MS) {
      await this.purgeExpired();
      stored = null;
    }
    if (stored) {
      if (stored.request_hash !== hash) {
        throw BinderyError.conflict('This Idempotency-Key was already used with a different request body.', [
          { field: 'Idempotency-Key', reason: 'reused with a different body' },
        ]);
      }
      reply.code(stored.status).header('idempotent-replayed', 'true').type('application/json');
      return stored.body;
    }
    const result = await execute();
    await this.store.putIdempotency({
      key,
      request_hash: hash,
      status,
      body: JSON.stringify(result),
      created_at: this.now().toISOString(),
    });
    reply.code(status);
    return result;
  }

  purgeExpired(): Promise<number> {
    return this.store.purgeIdempotency(new Date(this.now().getTime() - IDEMPOTENCY_TTL_MS).toISOString());
  }
}
