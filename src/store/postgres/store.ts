import type { Executor } from '../core/dialect.js';
import { StoreCore } from '../core/store.js';
import type {
  IdempotencyClaim,
  IdempotencyRecord,
  SearchRequest,
  Store,
  StoreInfo,
  TaskLink,
  TransferRecord,
  TransferStore,
} from '../types.js';
import { PgChangeListener } from './change-listener.js';
import { PG_POOL, PgDatabase } from './database.js';
import { PostgresDialect } from './dialect.js';
import { pgIdempotency } from './idempotency.js';
import { redactUrl } from './location.js';
import { migrate, schemaVersion } from './migrate.js';
import { PG_MIGRATIONS } from './migrations.js';
import { search } from './search.js';
import * as transfer from './transfer.js';

/**
 * The scale-out store: several Bindery servers may share one database. Every write is one READ COMMITTED
 * transaction whose row locks (and, for parent/dependency changes, one advisory lock) keep the integrity
 * rules true across servers; reads that take more than one statement use a REPEATABLE READ snapshot.
 * The entity operations are the core's (StoreCore); this class adds the pool, search, idempotency and transfer.
 */
export class PostgresStore extends StoreCore implements Store, TransferStore {
  readonly kind = 'postgres' as const;

  private constructor(private readonly db: PgDatabase) {
    super(new PostgresDialect());
  }

  protected session<T>(fn: (x: Executor) => Promise<T>): Promise<T> {
    return this.db.session(fn);
  }

  protected read<T>(fn: (x: Executor) => Promise<T>): Promise<T> {
    return this.db.read(fn);
  }

  protected write<T>(fn: (x: Executor) => Promise<T>): Promise<T> {
    return this.db.write(fn);
  }

  /** Connects, migrates (safe when several servers start at once) and warms the pool. */
  static async open(url: string): Promise<PostgresStore> {
    const db = new PgDatabase(url);
    try {
      await migrate(db, PG_MIGRATIONS);
      await db.warm();
    } catch (error) {
      await db.close();
      throw error;
    }
    return new PostgresStore(db);
  }

  async info(): Promise<StoreInfo> {
    return this.db.session(async (s) => ({
      kind: 'postgres' as const,
      location: redactUrl(this.db.url),
      schema_version: await schemaVersion(s),
      size_bytes:
        (await s.value<number>(
          `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
           WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'`,
        )) ?? null,
    }));
  }

  async probe(): Promise<void> {
    await this.db.session((s) => s.rows('SELECT 1'));
  }

  metrics() {
    return this.db.metrics();
  }

  configuration(): Record<string, unknown> {
    return {
      store: 'postgres',
      url: redactUrl(this.db.url),
      pool: {
        max: PG_POOL.max,
        min: PG_POOL.min,
        acquire_timeout_ms: PG_POOL.connectionTimeoutMillis,
        idle_timeout_ms: PG_POOL.idleTimeoutMillis,
        statement_timeout_ms: PG_POOL.statement_timeout,
      },
      isolation: 'read committed with row locks; repeatable read snapshots for multi-statement reads',
    };
  }

  close(): Promise<void> {
    return this.db.close();
  }

  claimIdempotency(claim: IdempotencyClaim) {
    return this.db.session((s) => pgIdempotency.claim(s, claim));
  }

  async completeIdempotency(claim: IdempotencyClaim, status: number, body: string) {
    await this.db.session((s) => pgIdempotency.complete(s, claim, status, body));
  }

  async releaseIdempotency(claim: Pick<IdempotencyClaim, 'key' | 'created_at'>) {
    await this.db.session((s) => pgIdempotency.release(s, claim));
  }

  purgeIdempotency(olderThan: string) {
    return this.db.session((s) => pgIdempotency.purge(s, olderThan));
  }

  /** LISTEN/NOTIFY: another server's committed change wakes this one's feed. */
  async watchChanges(onChange: () => void) {
    const listener = new PgChangeListener(this.db.url, onChange);
    await listener.start();
    return listener;
  }

  takeOverIdempotency(stale: IdempotencyRecord, claim: IdempotencyClaim) {
    return this.db.session((s) => pgIdempotency.takeOver(s, stale, claim));
  }

  async idempotencyHeartbeat(instance: string, purgeBefore: string) {
    await this.db.session((s) => pgIdempotency.heartbeat(s, instance, purgeBefore));
  }

  async retireInstance(instance: string) {
    await this.db.session((s) => pgIdempotency.retire(s, instance));
  }

  search(request: SearchRequest) {
    return this.db.session((s) => search(s, request));
  }

  countEntities() {
    return this.db.read(transfer.countEntities);
  }

  exportEntities() {
    return this.db.snapshot((s) => transfer.exportEntities(s, this.cores()));
  }

  importEntities(records: readonly TransferRecord[]) {
    return this.db.write((s) => transfer.importEntities(s, this.cores(), records));
  }

  importLinks(links: readonly TaskLink[]) {
    return this.db.write((s) => transfer.importLinks(s, links));
  }

  /** Fresh statistics, so the planner does not treat just-filled tables as empty until autovacuum runs. */
  async compactAfterImport() {
    await this.db.session((s) =>
      s.run('ANALYZE projects, tasks, task_dependencies, executions, notes, documents, document_chunks'),
    );
  }
}
