import { IDEMPOTENCY_PENDING, type IdempotencyClaim, type IdempotencyRecord } from '../types.js';
import type { SqliteDatabase } from './database.js';

/** Idempotency claims and answers; each method runs inside the store's write transaction. */
export class SqliteIdempotency {
  constructor(private readonly db: SqliteDatabase) {}

  claim(claim: IdempotencyClaim): IdempotencyRecord | null {
    const inserted = this.db
      .stmt(`INSERT INTO idempotency_keys (key, request_hash, status, body, created_at)
             VALUES (@key, @request_hash, ${IDEMPOTENCY_PENDING}, '', @created_at) ON CONFLICT (key) DO NOTHING`)
      .run(claim).changes;
    if (inserted === 1) return null;
    return this.db.stmt('SELECT * FROM idempotency_keys WHERE key = ?').get(claim.key) as IdempotencyRecord;
  }

  complete(claim: IdempotencyClaim, status: number, body: string): void {
    this.db
      .stmt(`UPDATE idempotency_keys SET status = ?, body = ?
             WHERE key = ? AND created_at = ? AND status = ${IDEMPOTENCY_PENDING}`)
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
}
