import { claimLost, firstWriteScope, type IdempotencyScope, markerBody } from '../idempotency-scope.js';
import {
  IDEMPOTENCY_COMMITTED,
  IDEMPOTENCY_PENDING,
  type IdempotencyClaim,
  type IdempotencyRecord,
  INSTANCE_DEAD_AFTER_S,
} from '../types.js';
import type { SqliteDatabase } from './database.js';

const PENDING_OR_COMMITTED = `status IN (${IDEMPOTENCY_PENDING}, ${IDEMPOTENCY_COMMITTED})`;
/** Instances silent for a day are removed; their claims are long gone. */
const FORGET_INSTANCE_MS = 24 * 60 * 60 * 1000;

function secondsAgo(seconds: number): string {
  return new Date(Date.now() - seconds * 1000).toISOString();
}

/** Idempotency claims and answers; each method runs inside the store's write transaction. */
export class SqliteIdempotency {
  constructor(private readonly db: SqliteDatabase) {}

  claim(claim: IdempotencyClaim): IdempotencyRecord | null {
    const inserted = this.db
      .stmt(`INSERT INTO idempotency_keys (key, request_hash, status, body, created_at, owner)
             VALUES (@key, @request_hash, ${IDEMPOTENCY_PENDING}, '', @created_at, @owner)
             ON CONFLICT (key) DO NOTHING`)
      .run(claim).changes;
    if (inserted === 1) return null;
    const row = this.db
      .stmt(`SELECT k.key, k.request_hash, k.status, k.body, k.created_at, k.owner,
                    coalesce(s.heartbeat_at >= ?, 0) AS owner_alive
             FROM idempotency_keys k LEFT JOIN server_instances s ON s.id = k.owner WHERE k.key = ?`)
      .get(secondsAgo(INSTANCE_DEAD_AFTER_S), claim.key) as Omit<IdempotencyRecord, 'owner_alive'> & {
      owner_alive: number;
    };
    return { ...row, owner_alive: row.owner_alive === 1 };
  }

  takeOver(stale: IdempotencyRecord, claim: IdempotencyClaim): boolean {
    return (
      this.db
        .stmt(`UPDATE idempotency_keys SET owner = ?, created_at = ?
               WHERE key = ? AND created_at = ? AND status = ${IDEMPOTENCY_PENDING}`)
        .run(claim.owner, claim.created_at, stale.key, stale.created_at).changes === 1
    );
  }

  /** In the request's first write transaction: the key is committed with it, or the write is refused. */
  markCommitted(scope: IdempotencyScope, result: unknown): void {
    const { key, created_at } = scope.claim;
    const marked = this.db
      .stmt(`UPDATE idempotency_keys SET status = ${IDEMPOTENCY_COMMITTED}, body = ?
             WHERE key = ? AND created_at = ? AND status = ${IDEMPOTENCY_PENDING}`)
      .run(markerBody(result), key, created_at).changes;
    if (marked !== 1) throw claimLost();
  }

  complete(claim: IdempotencyClaim, status: number, body: string): void {
    this.db
      .stmt(`UPDATE idempotency_keys SET status = ?, body = ?
             WHERE key = ? AND created_at = ? AND ${PENDING_OR_COMMITTED}`)
      .run(status, body, claim.key, claim.created_at);
  }

  release(claim: Pick<IdempotencyClaim, 'key' | 'created_at'>): void {
    this.db
      .stmt(
        `DELETE FROM idempotency_keys WHERE key = ? AND created_at = ? AND status = ${IDEMPOTENCY_PENDING}`,
      )
      .run(claim.key, claim.created_at);
  }

  purge(olderThan: string): number {
    return this.db.stmt('DELETE FROM idempotency_keys WHERE created_at < ?').run(olderThan).changes;
  }

  heartbeat(instance: string, purgeBefore: string): void {
    const now = new Date().toISOString();
    this.db
      .stmt(`INSERT INTO server_instances (id, heartbeat_at) VALUES (?, ?)
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`)
      .run(instance, now);
    this.purge(purgeBefore);
    this.db
      .stmt('DELETE FROM server_instances WHERE heartbeat_at < ?')
      .run(new Date(Date.now() - FORGET_INSTANCE_MS).toISOString());
  }

  retire(instance: string): void {
    this.db.stmt('DELETE FROM server_instances WHERE id = ?').run(instance);
  }
}

/**
 * A write transaction; inside a request with an Idempotency-Key, its first write also marks the key
 * committed in the same transaction (or, replaying, is not run and answers what it answered then).
 */
export function markedWrite<T>(db: SqliteDatabase, fn: () => T): T {
  const scope = firstWriteScope();
  if (!scope) return db.raw.transaction(fn).immediate();
  if (scope.replay) {
    scope.committed = true;
    return scope.replay.result as T;
  }
  const marker = new SqliteIdempotency(db);
  const result = db.raw
    .transaction(() => {
      const written = fn();
      marker.markCommitted(scope, written);
      return written;
    })
    .immediate();
  scope.committed = true;
  return result;
}
