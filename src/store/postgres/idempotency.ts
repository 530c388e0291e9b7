import { claimLost, firstWriteScope, type IdempotencyScope, markerBody } from '../idempotency-scope.js';
import {
  IDEMPOTENCY_COMMITTED,
  IDEMPOTENCY_PENDING,
  type IdempotencyClaim,
  type IdempotencyRecord,
  INSTANCE_DEAD_AFTER_S,
} from '../types.js';
import type { PgSession } from './database.js';

const COLUMNS = 'key, request_hash, status, body, created_at, owner';
const PENDING_OR_COMMITTED = `status IN (${IDEMPOTENCY_PENDING}, ${IDEMPOTENCY_COMMITTED})`;

/**
 * Idempotency records live in the shared database: a claim is a row, so of two servers that receive one
 * key at the same moment only one runs the request, and a repeat reaching either server replays its answer.
 * Heartbeats use the database's clock, so servers with skewed clocks still agree on who is dead.
 */
export const pgIdempotency = {
  async claim(s: PgSession, claim: IdempotencyClaim): Promise<IdempotencyRecord | null> {
    // A claim released between our refused insert and the read leaves nothing to read: try again.
    for (;;) {
      const inserted = await s.run(
        `INSERT INTO idempotency_keys (${COLUMNS}) VALUES ($1, $2, ${IDEMPOTENCY_PENDING}, '', $3, $4)
         ON CONFLICT (key) DO NOTHING`,
        [claim.key, claim.request_hash, claim.created_at, claim.owner],
      );
      if (inserted === 1) return null;
      const existing = await s.row<IdempotencyRecord>(
        `SELECT k.key, k.request_hash, k.status, k.body, k.created_at, k.owner,
                coalesce(i.heartbeat_at >= now() - make_interval(secs => $2), false) AS owner_alive
         FROM idempotency_keys k LEFT JOIN server_instances i ON i.id = k.owner WHERE k.key = $1`,
        [claim.key, INSTANCE_DEAD_AFTER_S],
      );
      if (existing) return existing;
    }
  },

  async takeOver(s: PgSession, stale: IdempotencyRecord, claim: IdempotencyClaim): Promise<boolean> {
    const changed = await s.run(
      `UPDATE idempotency_keys SET owner = $3, created_at = $4
       WHERE key = $1 AND created_at = $2 AND status = ${IDEMPOTENCY_PENDING}`,
      [stale.key, stale.created_at, claim.owner, claim.created_at],
    );
    return changed === 1;
  },

  /** In the request's first write transaction: the key is committed with it, or the write is refused. */
  async markCommitted(s: PgSession, scope: IdempotencyScope, result: unknown): Promise<void> {
    const marked = await s.run(
      `UPDATE idempotency_keys SET status = ${IDEMPOTENCY_COMMITTED}, body = $3
       WHERE key = $1 AND created_at = $2 AND status = ${IDEMPOTENCY_PENDING}`,
      [scope.claim.key, scope.claim.created_at, markerBody(result)],
    );
    if (marked !== 1) throw claimLost();
  },

  async complete(s: PgSession, claim: IdempotencyClaim, status: number, body: string): Promise<void> {
    await s.run(
      `UPDATE idempotency_keys SET status = $3, body = $4
       WHERE key = $1 AND created_at = $2 AND ${PENDING_OR_COMMITTED}`,
      [claim.key, claim.created_at, status, body],
    );
  },

  async release(s: PgSession, claim: Pick<IdempotencyClaim, 'key' | 'created_at'>): Promise<void> {
    await s.run(
      `DELETE FROM idempotency_keys WHERE key = $1 AND created_at = $2 AND status = ${IDEMPOTENCY_PENDING}`,
      [claim.key, claim.created_at],
    );
  },

  async purge(s: PgSession, olderThan: string): Promise<number> {
    return s.run('DELETE FROM idempotency_keys WHERE created_at < $1', [olderThan]);
  },

  async heartbeat(s: PgSession, instance: string, purgeBefore: string): Promise<void> {
    await s.run(
      `INSERT INTO server_instances (id, heartbeat_at) VALUES ($1, now())
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [instance],
    );
    await pgIdempotency.purge(s, purgeBefore);
    await s.run(`DELETE FROM server_instances WHERE heartbeat_at < now() - interval '1 day'`, []);
  },

  async retire(s: PgSession, instance: string): Promise<void> {
    await s.run('DELETE FROM server_instances WHERE id = $1', [instance]);
  },
};

/**
 * Runs `fn` through `transaction`; inside a request with an Idempotency-Key, its first write also marks
 * the key committed in the same transaction (or, replaying, is not run and answers what it answered then).
 */
export async function markedWrite<T>(
  fn: (s: PgSession) => Promise<T>,
  transaction: (fn: (s: PgSession) => Promise<T>) => Promise<T>,
): Promise<T> {
  const scope = firstWriteScope();
  if (!scope) return transaction(fn);
  if (scope.replay) {
    scope.committed = true;
    return scope.replay.result as T;
  }
  const result = await transaction(async (s) => {
    const written = await fn(s);
    await pgIdempotency.markCommitted(s, scope, written);
    return written;
  });
  scope.committed = true;
  return result;
}
