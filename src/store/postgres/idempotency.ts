import type { IdempotencyRecord } from '../types.js';
import type { PgSession } from './database.js';

const COLUMNS = 'key, request_hash, status, body, created_at';

/** Idempotency answers live in the shared database, so a repeat reaching another server replays too. */
export const pgIdempotency = {
  async get(s: PgSession, key: string): Promise<IdempotencyRecord | null> {
    return (
      (await s.row<IdempotencyRecord>(`SELECT ${COLUMNS} FROM idempotency_keys WHERE key = $1`, [key])) ??
      null
    );
  },

  /** The first answer stored for a key wins, whichever server wrote it. */
  async put(s: PgSession, record: IdempotencyRecord): Promise<IdempotencyRecord> {
    const inserted = await s.row<IdempotencyRecord>(
      `INSERT INTO idempotency_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (key) DO NOTHING RETURNING ${COLUMNS}`,
      [record.key, record.request_hash, record.status, record.body, record.created_at],
    );
    return inserted ?? (await pgIdempotency.get(s, record.key))!;
  },

  async purge(s: PgSession, olderThan: string): Promise<number> {
    return s.run('DELETE FROM idempotency_keys WHERE created_at < $1', [olderThan]);
  },
};
