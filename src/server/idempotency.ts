import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BinderyError } from '../contract/index.js';
import { type IdempotencyScope, runWithIdempotency } from '../store/idempotency-scope.js';
import {
  IDEMPOTENCY_COMMITTED,
  IDEMPOTENCY_PENDING,
  type IdempotencyClaim,
  type IdempotencyRecord,
  type Store,
} from '../store/types.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a repeat waits for a key claimed by another live server before it is refused with 409 (the
 * client does not retry 4xx, so the caller learns the request is still running), and how often it looks.
 */
const CLAIM_WAIT_MS = 10_000;
const CLAIM_POLL_MS = 25;
/**
 * How often this server heartbeats (a claim of a server silent for INSTANCE_DEAD_AFTER_S is taken over)
 * and purges answers older than 24 h, so a long-running server's table stays bounded.
 */
export const HEARTBEAT_MS = 2_000;

/** What a repeat must match to be replayed: the route, its parameters and the body. */
export function requestHash(method: string, route: string, params: unknown, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${route}\n${JSON.stringify(params)}\n`)
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}

type Claimed =
  | { kind: 'ours'; claim: IdempotencyClaim }
  /** Answered: replay it. */
  | { kind: 'answered'; record: IdempotencyRecord }
  /** Its write committed but its server died before storing the answer: derive the answer again. */
  | { kind: 'committed'; record: IdempotencyRecord };

/**
 * Idempotency-Key (README, HTTP API; docs/decisions/012-02-exactly-once.md): a POST (or PUT/PATCH/DELETE) carrying a key runs once; a repeat with the same key and
 * body within 24 h gets the first answer again (`Idempotent-Replayed: true`), a different body is a
 * conflict. The key is claimed in the store before the request runs, so two servers on one database
 * never both run it; the request's first write marks the key committed in its own transaction
 * (src/store/idempotency-scope.ts), so a crash leaves both the write and the mark, or neither. A claim
 * whose server stopped heartbeating is taken over at once; a claim whose write committed is answered by
 * re-deriving the answer from the committed write. Within this process, requests with one key queue
 * behind each other. A request that fails before writing releases its claim, so a retry runs it afresh.
 */
export class IdempotencyGate {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** This server's identity as a claim owner. */
  readonly instance = randomUUID();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: Store) {}

  /** Heartbeats (and purges expired answers) now and every HEARTBEAT_MS until `stop`. */
  async start(onError: (error: unknown) => void): Promise<void> {
    const beat = () => this.store.idempotencyHeartbeat(this.instance, expiredBefore());
    await beat();
    this.timer = setInterval(() => beat().catch(onError), HEARTBEAT_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.store.retireInstance(this.instance).catch(() => undefined); // else it is dead in 6 s anyway
  }

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
    if (claimed.kind === 'answered') {
      reply.code(claimed.record.status).header('idempotent-replayed', 'true').type('application/json');
      return claimed.record.body;
    }
    if (claimed.kind === 'committed') {
      const { record } = claimed;
      const replay = { result: JSON.parse(record.body) as unknown };
      const claim = { ...record, owner: record.owner ?? this.instance };
      const answer = await runWithIdempotency({ claim, committed: false, replay }, execute);
      await this.store.completeIdempotency(claim, status, JSON.stringify(answer));
      reply.code(status).header('idempotent-replayed', 'true');
      return answer;
    }
    const scope: IdempotencyScope = { claim: claimed.claim, committed: false };
    let result: unknown;
    try {
      result = await runWithIdempotency(scope, execute);
    } catch (error) {
      // Nothing was written: free the key. (A committed write keeps it, to be answered from.)
      if (!scope.committed) await this.store.releaseIdempotency(scope.claim).catch(() => undefined);
      throw error;
    }
    await this.store.completeIdempotency(scope.claim, status, JSON.stringify(result));
    reply.code(status);
    return result;
  }

  /** Our claim on `key`, or what is stored for it (waiting while another live server's request runs). */
  private async claim(key: string, hash: string): Promise<Claimed> {
    const deadline = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      const claim = { key, request_hash: hash, created_at: new Date().toISOString(), owner: this.instance };
      const stored = await this.store.claimIdempotency(claim);
      if (!stored) return { kind: 'ours', claim };
      if (Date.now() - Date.parse(stored.created_at) >= IDEMPOTENCY_TTL_MS) {
        await this.purgeExpired();
        continue;
      }
      if (stored.request_hash !== hash) {
        throw BinderyError.conflict('This Idempotency-Key was already used with a different request body.', [
          { field: 'Idempotency-Key', reason: 'reused with a different body' },
        ]);
      }
      if (stored.status === IDEMPOTENCY_COMMITTED) return { kind: 'committed', record: stored };
      if (stored.status !== IDEMPOTENCY_PENDING) return { kind: 'answered', record: stored };
      // A pending claim of a dead server (or a leftover of ours: this process queues one key's requests)
      // never committed a write, so running the request here is its first and only run.
      if (!stored.owner_alive || stored.owner === this.instance) {
        if (await this.store.takeOverIdempotency(stored, claim)) return { kind: 'ours', claim };
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
    return this.store.purgeIdempotency(expiredBefore());
  }
}

function expiredBefore(): string {
  return new Date(Date.now() - IDEMPOTENCY_TTL_MS).toISOString();
}
