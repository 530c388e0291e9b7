import { IDEMPOTENCY_PENDING, type IdempotencyClaim, type IdempotencyRecord } from '../types.js';
import type { PgSession } from './database.js';

const COLUMNS = 'key, request_hash, status, body, created_at';

/**
 * Idempotency records live in the shared database: a claim is a row, so of two servers that receive one
 * key at the same moment only one runs the request, and a repeat reaching either server replays its answer.
 */
export const pgIdempotency = {
  async claim(s: PgSession, claim: IdempotencyClaim): Promise<IdempotencyRecord | null> {
    // A claim released between our refused insert and the read leaves nothing to read: try again.
    for (;;) {
      const inserted = await s.run(
        `INSERT INTO idempotency_keys (${COLUMNS}) VALUES ($1, $2, ${IDEMPOTENCY_PENDING}, '', $3)
         ON CONFLICT (key) DO NOTHING`,
        [claim.key, claim.request_hash, claim.created_at],
      );
      if (inserted === 1) return null;
      const existing = await s.row<IdempotencyRecord>(
        `SELECT ${COLUMNS} FROM idempotency_keys WHERE key = $1`,
        [claim.key],
      );
      if (existing) return existing;
    }
  },

  async complete(s: PgSession, claim: IdempotencyClaim, status: number, body: string): Promise<void> {
    await s.run(
      `UPDATE idempotency_keys SET status = $3, body = $4
       WHERE key = $1 AND created_at = $2 AND status = ${IDEMPOTENCY_PENDING}`,
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
};
