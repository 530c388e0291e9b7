import type { SqliteDatabase } from './database.js';

/**
 * When the store counts as idle, and how much merging one step does: 16 pages took ~3 ms (p99 45–70 ms)
 * per step on a million tasks, so a request that arrives during a step waits about that long.
 */
export interface SearchTidyOptions {
  /** No store operation for this long: the store is idle and may tidy. */
  idleMs: number;
  /** Pages (4 KB) one merge step writes at most. */
  pages: number;
}

export const SEARCH_TIDY: SearchTidyOptions = { idleMs: 5_000, pages: 16 };

const MERGE_SQL = "INSERT INTO search_index (search_index, rank) VALUES ('merge', ?)";
const CHANGES_SQL = 'SELECT total_changes()';

/**
 * Finishes the full-text index's merges while the store is idle. Every write transaction leaves a small
 * FTS5 segment, and each lookup probes every segment. FTS5's automerge does some of the merging inside
 * the writes, but a store loaded to a million tasks is left with ~20 segments, and there a rare word's
 * prefix lookup costs ~13 µs a segment (BENCHMARKS.md, "The index tidies itself"). After a write, once
 * no store operation has run for `idleMs`, merge steps of `pages` run one at a time in the connection's
 * turn, yielding to requests between steps and pausing whenever one arrives.
 *
 * The merges are those of FTS5's own levels (migration 10 sets `usermerge` to 2: any two segments of a
 * level merge), never one of everything: a segment is rewritten about once per level it climbs, so the
 * work stays proportional to what was written, while an `optimize` would rewrite the whole index (~5 s
 * at a million tasks) after every burst of writes. A million tasks bulk-loaded settle at 4–5 segments.
 */
export class SearchIndexTidier {
  /** Set while waiting for the store to go idle. */
  private timer: NodeJS.Timeout | undefined;
  /** Set while merge steps follow one another. */
  private stepping = false;
  /** Written since the index was last tidy. */
  private pending = false;
  private closed = false;
  /** The store's operation count when idleness was last checked. */
  private seen = -1;
  private readonly settled: (() => void)[] = [];

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: SearchTidyOptions = SEARCH_TIDY,
  ) {}

  /**
   * A write committed: it may have left a segment to merge. A wait or a run of steps already under way
   * notices the write itself (the store's operation count moved), so a write costs no timer of its own.
   */
  wrote(): void {
    if (this.closed) return;
    this.pending = true;
    if (!this.timer && !this.stepping) this.waitForIdle();
  }

  /** Resolves once no merge is pending (at once when none is): for benchmarks and tests. */
  whenTidy(): Promise<void> {
    if (!this.pending || this.closed) return Promise.resolve();
    // Someone waits for it now: the timer keeps the process alive until then.
    this.timer?.ref();
    return new Promise((resolve) => this.settled.push(resolve));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.done();
  }

  private waitForIdle(): void {
    this.stepping = false;
    this.seen = this.operations();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tidyInBackground();
    }, this.options.idleMs);
    // A timer alone must not keep a process (a CLI command, a test) alive, unless whenTidy() is awaited.
    if (this.settled.length === 0) this.timer.unref();
  }

  private operations(): number {
    return this.db.metrics().total_acquired;
  }

  /** One merge step, then the next while the store stays idle. */
  private async tidy(): Promise<void> {
    if (this.closed) return;
    if (this.operations() !== this.seen) return this.waitForIdle();
    this.stepping = true;
    const outcome = await this.db.exclusive(() => {
      if (this.closed) return 'closed';
      // An export holds its read snapshot open across its pages: a merge now would write inside it.
      if (this.db.raw.inTransaction) return 'busy';
      return this.step() ? 'merged' : 'tidy';
    });
    if (outcome === 'busy') return this.waitForIdle();
    if (outcome !== 'merged') return this.done();
    setImmediate(() => this.tidyInBackground());
  }

  /**
   * A failed step (a full disk) leaves the index as it was: correct, only less tidy; the next write
   * tries again. Nothing awaits the steps, so their errors stop here.
   */
  private tidyInBackground(): void {
    this.tidy().catch(() => this.done());
  }

  /** Whether the step merged anything (FTS5's documented test: total_changes() grew by 2 or more). */
  private step(): boolean {
    const changes = this.db.stmt(CHANGES_SQL).pluck();
    const before = changes.get() as number;
    this.db.stmt(MERGE_SQL).run(this.options.pages);
    return (changes.get() as number) - before >= 2;
  }

  private done(): void {
    this.stepping = false;
    this.pending = false;
    for (const resolve of this.settled.splice(0)) resolve();
  }
}
