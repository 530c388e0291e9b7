import {
  type BinderyApi,
  BinderyError,
  type Change,
  type ErrorCode,
  isBinderyError,
  OPERATION_NAMES,
  type OperationName,
  type OpOutput,
  operations,
  parseInput,
} from '../contract/index.js';
import { traced } from '../runtime/tracing.js';
import { type CacheStats, type Loaded, NOT_MODIFIED, ResponseCache } from './cache.js';
import { decode } from './decode.js';
import { ChangeFeed, type FeedState } from './feed.js';
import {
  affects,
  alreadyShows,
  effectOf,
  effectOfChange,
  type MutationName,
  type ReadName,
} from './invalidation.js';
import { type ClientOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { type BreakerStats, Resilience } from './resilience.js';
import { buildRequest, type HttpRequest, isIdempotent } from './routing.js';
import { TaskGraph } from './task-graph.js';
import { type PoolStats, Transport } from './transport.js';

export interface ClientStats {
  breaker: BreakerStats;
  cache: CacheStats;
  /** Extra attempts made after transient failures. */
  retries: number;
  /** Logical calls made through the API methods. */
  calls: number;
  /** Failed calls by error code. */
  failures: Partial<Record<ErrorCode, number>>;
  /** Calls waiting for the server right now. */
  in_flight: number;
  /** The undici pool: connections open and free, requests pending, queued and running. */
  pool: PoolStats;
  /** The change feed that keeps the cache coherent; null when disabled. */
  feed: FeedState | null;
}

/** Reads of one entity: answered from cache only while the feed vouches for it, or for 1 s after the server did. */
const ENTITY_READS: ReadonlySet<ReadName> = new Set(['get_task', 'get_project', 'get_note', 'get_document']);
const UNVERIFIED_ENTITY_MS = 1_000;

type Call = (input: unknown) => Promise<unknown>;

/** Gives the class one typed member per operation; the members themselves are made in the constructor. */
const ApiMembers = class {} as new () => BinderyApi;

/**
 * BinderyApi over HTTP (docs/design.md, "The client"): every operation of the contract table becomes a
 * request on a keep-alive pool, behind retry, circuit breaker, timeout and a response cache whose entries
 * each mutation invalidates before it returns. One instance per process, shared by all callers.
 */
export class BinderyClient extends ApiMembers implements BinderyApi {
  private readonly options: ResolvedOptions;
  private readonly transport: Transport;
  private readonly resilience: Resilience;
  private readonly graph = new TaskGraph();
  private readonly cache: ResponseCache;
  private readonly feed: ChangeFeed | null;
  private readonly failures: Partial<Record<ErrorCode, number>> = {};
  private calls = 0;
  private inFlight = 0;
  private closing: Promise<void> | undefined;
  private readonly changeListeners = new Set<(change: Change | null) => void>();

  constructor(options: ClientOptions) {
    super();
    this.options = resolveOptions(options);
    this.transport = new Transport(this.options);
    this.resilience = new Resilience(this.options, () =>
      this.transport.send({ method: 'GET', path: '/health' }).then(
        () => true,
        () => false,
      ),
    );
    this.cache = new ResponseCache(
      this.options.cache,
      (value) => this.graph.learn(value),
      (op, confirmedAt) =>
        ENTITY_READS.has(op) && !this.feed?.live && Date.now() - confirmedAt > UNVERIFIED_ENTITY_MS,
    );
    this.feed = this.options.feed
      ? new ChangeFeed(this.options.url, this.options.token, {
          change: (change) => {
            const effect = effectOfChange(change);
            this.cache.invalidate(
              (entry) => affects(effect, entry, this.graph),
              (entry) => alreadyShows(change, entry),
            );
            for (const listener of this.changeListeners) listener(change);
          },
          reset: () => {
            this.cache.clear();
            for (const listener of this.changeListeners) listener(null);
          },
        })
      : null;
    const members = this as unknown as Record<OperationName, Call>;
    for (const name of OPERATION_NAMES) members[name] = (input) => this.call(name, input);
  }

  private async call(name: OperationName, input: unknown): Promise<unknown> {
    this.calls++;
    try {
      if (this.closing) throw new BinderyError('connection_error', 'This Bindery client is closed.');
      // Checked here too, so a bad call costs no round trip and cannot count against the server.
      const args = parseInput(operations[name].input, input ?? {}) as Record<string, unknown>;
      switch (operations[name].kind) {
        case 'read':
          return await this.read(name as ReadName, args);
        case 'monitor':
          return ((await this.fetch(name, args)) as Loaded<unknown>).value;
        default:
          return await this.mutate(name as MutationName, args);
      }
    } catch (thrown) {
      const error = isBinderyError(thrown)
        ? thrown
        : new BinderyError('internal_error', `The client failed in ${name}.`, { cause: thrown });
      this.failures[error.code] = (this.failures[error.code] ?? 0) + 1;
      throw error;
    }
  }

  private read(name: ReadName, args: Record<string, unknown>): Promise<unknown> {
    // The feed starts with the first read: a client that only writes needs no stream.
    this.feed?.start();
    return this.cache.read(name, args, (ifNoneMatch) => this.fetch(name, args, ifNoneMatch));
  }

  /** Invalidation runs whether or not the call succeeded: a failed call may still have been committed. */
  private async mutate(name: MutationName, args: Record<string, unknown>): Promise<unknown> {
    let result: unknown;
    try {
      result = ((await this.fetch(name, args)) as Loaded<unknown>).value;
    } finally {
      // Computed before learning the result, while the graph still knows the state the mutation changed.
      const effect = effectOf(name, args as never, result as never, this.graph);
      this.cache.invalidate((entry) => affects(effect, entry, this.graph));
    }
    this.graph.learn(result);
    return result;
  }

  private async fetch(
    name: OperationName,
    args: Record<string, unknown>,
    ifNoneMatch?: string,
  ): Promise<Loaded<unknown> | typeof NOT_MODIFIED> {
    const request = buildRequest(name, args, this.options.maxRequestBytes);
    if (ifNoneMatch) request.ifNoneMatch = ifNoneMatch;
    this.inFlight++;
    try {
      return await traced(`client ${name}`, { 'bindery.operation': name }, () =>
        this.resilience.run(() => this.exchange(name, request), isIdempotent(name, request)),
      );
    } finally {
      this.inFlight--;
    }
  }

  /** One request and its decoded answer; an answer the route marks as a reported failure is a result too. */
  private async exchange(
    name: OperationName,
    request: HttpRequest,
  ): Promise<Loaded<unknown> | typeof NOT_MODIFIED> {
    const failure = operations[name].http.failure;
    const answer = await this.transport.send(request, (status) => status === failure?.status);
    if (answer.status === 304) return NOT_MODIFIED;
    return { value: decode(operations[name].output, answer.text, name), bytes: answer.bytes };
  }

  /**
   * The server's health report, for health_check: get_health, but past the breaker (it is how an open
   * circuit is diagnosed) and not retried. An unhealthy report (503) is still returned; no answer throws
   * connection_error.
   */
  async health(): Promise<OpOutput<'get_health'>> {
    const request = buildRequest('get_health', {}, this.options.maxRequestBytes);
    return ((await this.exchange('get_health', request)) as Loaded<unknown>).value as OpOutput<'get_health'>;
  }

  stats(): ClientStats {
    return {
      breaker: this.resilience.stats(),
      cache: this.cache.stats(),
      retries: this.resilience.retries,
      calls: this.calls,
      failures: { ...this.failures },
      in_flight: this.inFlight,
      pool: this.transport.stats(),
      feed: this.feed?.stats() ?? null,
    };
  }

  /**
   * Every change the feed brings, as it arrives (starting the feed); `null` when the feed's position was
   * pruned and anything may have changed. Returns the function that stops listening.
   */
  onChange(listener: (change: Change | null) => void): () => void {
    this.changeListeners.add(listener);
    this.feed?.start();
    return () => this.changeListeners.delete(listener);
  }

  /** Resolves once the change feed is connected and caught up (starting it if no read has yet). */
  feedLive(): Promise<void> {
    if (!this.feed) return Promise.reject(new Error('This client was made with feed: false.'));
    this.feed.start();
    return this.feed.whenLive();
  }

  /** Later writes are recorded under this actor (sent as X-Bindery-Actor). */
  setActor(actor: string): void {
    this.transport.setActor(actor);
  }

  /** Lets requests in flight finish, then closes the connections; later calls fail with connection_error. */
  close(): Promise<void> {
    this.resilience.close();
    this.closing ??= Promise.all([this.transport.close(), this.feed?.close()])
      .then(() => {})
      .finally(() => this.cache.clear());
    return this.closing;
  }
}
