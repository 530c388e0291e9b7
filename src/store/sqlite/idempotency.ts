import type { IdempotencyRecord } from '../types.js';
import type { SqliteDatabase } from './database.js';

export class SqliteIdempotency {
  constructor(private readonly db: SqliteDatabase) {}

  get(key: string): IdempotencyRecord | null {
    return (
      (this.db.stmt('SELECT * FROM idempotency_keys WHERE key = ?').get(key) as IdempotencyRecord) ?? null
    );
  }

  put(record: IdempotencyRecord): IdempotencyRecord {
    this.db
      .stmt(`INSERT INTO idempotency_keys (key, request_hash, status, body, created_at)
             VALUES (@key, @request_hash, @status, @body, @created_at) ON CONFLICT (key) DO NOTHING`)
      .run(record);
    return this.get(record.key)!;
  }

  purge(olderThan: string): number {
    return this.db.stmt('DELETE FROM idempotency_keys WHERE created_at < ?').run(olderThan).changes;
  }
}
