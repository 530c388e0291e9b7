import { statSync } from 'node:fs';
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
import { SqliteDatabase, sqlitePragmas } from './database.js';
import { SqliteDialect } from './dialect.js';
import { SqliteIdempotency } from './idempotency.js';
import { SQLITE_MEMORY, type SqliteMemory } from './memory.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteSearch } from './search.js';
import { SEARCH_TIDY, SearchIndexTidier, type SearchTidyOptions } from './search-tidy.js';
import { SqliteTransfer } from './transfer.js';

/**
 * The embedded default store: one better-sqlite3 connection. Operations take the connection in turn, so
 * each is one uninterrupted transaction (writes) or one consistent read. The entity operations are the
 * core's (StoreCore); this class adds the connection, search, idempotency and transfer.
 */
export class SqliteStore extends StoreCore implements Store, TransferStore {
  readonly kind = 'sqlite' as const;
  protected readonly db: SqliteDatabase;
  private readonly idempotency: SqliteIdempotency;
  private readonly searcher: SqliteSearch;
  private readonly transfer: SqliteTransfer;
  private readonly tidier: SearchIndexTidier;

  constructor(path: string, memory: SqliteMemory = SQLITE_MEMORY, tidy: SearchTidyOptions = SEARCH_TIDY) {
    super(new SqliteDialect());
    this.db = new SqliteDatabase(path, MIGRATIONS, sqlitePragmas(memory));
    this.idempotency = new SqliteIdempotency(this.db);
    this.searcher = new SqliteSearch(this.db);
    this.transfer = new SqliteTransfer(this.db, this.cores());
    this.tidier = new SearchIndexTidier(this.db, tidy);
    // Opened after a load by another process, or after an interrupted tidy: merges may be pending.
    this.tidier.wrote();
  }

  /** One connection: a session and a read are the same uninterrupted turn on it. */
  protected session<T>(fn: (x: Executor) => Promise<T>): Promise<T> {
    return this.db.operation(fn);
  }

  protected read<T>(fn: (x: Executor) => Promise<T>): Promise<T> {
    return this.db.operation(fn);
  }

  protected async write<T>(fn: (x: Executor) => Promise<T>): Promise<T> {
    const result = await this.db.operation(fn, true);
    this.tidier.wrote();
    return result;
  }

  async info(): Promise<StoreInfo> {
    const size =
      this.db.path === ':memory:' ? null : fileSize(this.db.path) + fileSize(`${this.db.path}-wal`);
    return {
      kind: 'sqlite',
      location: this.db.path,
      schema_version: this.db.schemaVersion(),
      size_bytes: size,
    };
  }

  async probe(): Promise<void> {
    await this.session((x) => x.value('SELECT 1'));
  }

  metrics() {
    return this.db.metrics();
  }

  configuration(): Record<string, unknown> {
    return { store: 'sqlite', path: this.db.path, connections: 1, pragmas: this.db.pragmas };
  }

  async close(): Promise<void> {
    this.tidier.close();
    this.db.close();
  }

  /** Once the search index's pending merges are done while idle (search-tidy.ts): for benchmarks and tests. */
  whenSearchIndexTidy(): Promise<void> {
    return this.tidier.whenTidy();
  }

  claimIdempotency(claim: IdempotencyClaim) {
    return this.db.exclusive(() => this.db.run(() => this.idempotency.claim(claim), true));
  }

  completeIdempotency(claim: IdempotencyClaim, status: number, body: string) {
    return this.db.exclusive(() => this.db.run(() => this.idempotency.complete(claim, status, body), true));
  }

  releaseIdempotency(claim: Pick<IdempotencyClaim, 'key' | 'created_at'>) {
    return this.db.exclusive(() => this.db.run(() => this.idempotency.release(claim), true));
  }

  purgeIdempotency(olderThan: string) {
    return this.db.exclusive(() => this.db.run(() => this.idempotency.purge(olderThan), true));
  }

  /** One process writes the file; its own writes wake its feed. */
  async watchChanges() {
    return null;
  }

  takeOverIdempotency(stale: IdempotencyRecord, claim: IdempotencyClaim) {
    return this.db.exclusive(() => this.db.run(() => this.idempotency.takeOver(stale, claim), true));
  }

  idempotencyHeartbeat(instance: string, purgeBefore: string) {
    return this.db.exclusive(() =>
      this.db.run(() => this.idempotency.heartbeat(instance, purgeBefore), true),
    );
  }

  retireInstance(instance: string) {
    return this.db.exclusive(() => this.db.run(() => this.idempotency.retire(instance), true));
  }

  search(request: SearchRequest) {
    return this.searcher.search(request);
  }

  countEntities() {
    return this.read((x) => this.transfer.counts(x));
  }

  /** Holds a read transaction on the connection until the iteration ends: one snapshot for the export. */
  async *exportEntities() {
    await this.db.exclusive(() => this.db.raw.exec('BEGIN'));
    try {
      yield* this.transfer.entities();
    } finally {
      await this.db.exclusive(() => this.db.raw.exec('COMMIT'));
    }
  }

  importEntities(records: readonly TransferRecord[]) {
    return this.write((x) => this.transfer.import(x, records));
  }

  importLinks(links: readonly TaskLink[]) {
    return this.write((x) => this.tasks.link(x, links));
  }

  /**
   * Each import batch leaves its own full-text segment, and a lookup probes every segment: merged into one,
   * a rare-word search over 300k imported tasks went from 1.7 to 0.7 ms (BENCHMARKS.md §3). ~2 s per 300k.
   */
  async compactAfterImport() {
    await this.write((x) => x.run("INSERT INTO search_index (search_index) VALUES ('optimize')"));
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
