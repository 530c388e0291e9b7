import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  handleAll,
  handleWhen,
  type IRetryBackoffContext,
  IsolatedCircuitError,
  type RetryPolicy,
  retry,
} from 'cockatiel';
import { BinderyError } from '../contract/index.js';
import { traceEvent } from '../runtime/tracing.js';
import { TransportError } from './errors.js';
import type { ResolvedOptions } from './options.js';

export type BreakerState = 'closed' | 'open' | 'half_open' | 'isolated';

export interface BreakerStats {
  state: BreakerState;
  /** When the breaker last changed state (null: closed since start). */
  since: string | null;
  consecutive_failures: number;
  reset_after_ms: number;
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * The answers worth another attempt (docs/design.md, "The client"); every other status (all other 4xx, 500,
 * 501) is final.
 */
const RETRY_STATUSES = new Set([408, 429, 502, 503, 504]);

function isTransient(error: Error, maxRetryAfterMs: number): boolean {
  if (!(error instanceof TransportError)) return false;
  if (error.retryAfterS !== undefined && error.retryAfterS * 1000 > maxRetryAfterMs) return false;
  return error.origin === 'network' || (error.origin === 'status' && RETRY_STATUSES.has(error.httpStatus));
}

/** Failures that say the backend is unwell: no answer, a 5xx or an unusable answer. A 4xx never counts. */
function countsAgainstBackend(error: unknown): boolean {
  if (!(error instanceof TransportError)) return false;
  return (
    error.origin === 'network' ||
    error.origin === 'malformed' ||
    (error.origin === 'status' && error.httpStatus >= 500)
  );
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Retry inside a circuit breaker (cockatiel). The breaker wraps the whole retried call, so a logical call
 * whose retries all failed counts once. Answers that are not the backend's fault (4xx, the client's own
 * limits) pass through the breaker as successes: the server did answer, so they also end a failure streak.
 * Once the reset time has passed, the next call is the one probe (a single attempt; concurrent calls wait
 * for its outcome): success closes the circuit, failure opens it again.
 */
export class Resilience {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly counter: ConsecutiveBreaker;
  private readonly retry: RetryPolicy;
  private since: Date | null = null;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  retries = 0;

  /**
   * `healthy` asks the server's /health past the breaker: while the circuit is open it is asked every
   * `breaker.healthProbeMs`, and an answer closes the circuit at once, so a server back after a restart
   * is used again within a second instead of after the full reset time.
   */
  constructor(
    private readonly options: Pick<ResolvedOptions, 'retry' | 'breaker'>,
    private readonly healthy?: () => Promise<boolean>,
  ) {
    const { retry: r, breaker: b } = options;
    this.counter = new ConsecutiveBreaker(b.threshold);
    this.breaker = circuitBreaker(handleAll, { halfOpenAfter: b.resetMs, breaker: this.counter });
    this.breaker.onStateChange((state) => {
      this.since = new Date();
      if (state === CircuitState.Open) this.startProbing();
      else this.stopProbing();
    });
    this.retry = retry(
      handleWhen((error) => isTransient(error, r.maxRetryAfterMs)),
      {
        maxAttempts: r.maxRetries,
        backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) => this.delay(context)),
      },
    );
    this.retry.onRetry((reason) => {
      this.retries++;
      traceEvent('retry', { reason: 'error' in reason ? String((reason.error as Error).message) : 'value' });
    });
  }

  /** Full jitter (random(0, min(cap, base·2^(n-1)))), but never sooner than the server's Retry-After. */
  private delay(context: IRetryBackoffContext<unknown>): number {
    const { baseDelayMs, maxDelayMs } = this.options.retry;
    const jitter = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (context.attempt - 1));
    const error = 'error' in context.result ? context.result.error : undefined;
    const retryAfterMs =
      error instanceof BinderyError && error.retryAfterS !== undefined ? error.retryAfterS * 1000 : 0;
    return Math.max(jitter, retryAfterMs);
  }

  async run<T>(attempt: () => Promise<T>, idempotent: boolean): Promise<T> {
    let outcome: Outcome<T>;
    try {
      outcome = await this.breaker.execute(async (): Promise<Outcome<T>> => {
        // A call let through a non-closed breaker is its probe: one quick attempt decides, no retries.
        const probe = this.breaker.state !== CircuitState.Closed;
        try {
          return { ok: true, value: await (idempotent && !probe ? this.retry.execute(attempt) : attempt()) };
        } catch (error) {
          if (countsAgainstBackend(error)) throw error;
          return { ok: false, error };
        }
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError)
        throw this.openError();
      throw error;
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  private startProbing(): void {
    if (!this.healthy || this.probeTimer) return;
    this.probeTimer = setInterval(() => void this.probe(), this.options.breaker.healthProbeMs);
    this.probeTimer.unref();
  }

  private stopProbing(): void {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  private async probe(): Promise<void> {
    if (this.probing || this.breaker.state !== CircuitState.Open) return;
    this.probing = true;
    try {
      if ((await this.healthy?.()) && this.breaker.state === CircuitState.Open) {
        this.counter.success();
        this.breaker.isolate().dispose(); // cockatiel's way to close a circuit from outside
      }
    } finally {
      this.probing = false;
    }
  }

  /** Stops the health probe (the client is closing). */
  close(): void {
    this.stopProbing();
  }

  private openError(): BinderyError {
    const { resetMs, threshold } = this.options.breaker;
    const waitMs = Math.max(0, (this.since?.getTime() ?? 0) + resetMs - Date.now());
    return new BinderyError(
      'circuit_open',
      `The Bindery server failed ${threshold} calls in a row; calls are paused for ${Math.ceil(waitMs / 1000)} s more.`,
      { retryAfterS: Math.ceil(waitMs / 1000), details: { retry_after_ms: waitMs } },
    );
  }

  stats(): BreakerStats {
    return {
      state: STATE_NAMES[this.breaker.state],
      since: this.since?.toISOString() ?? null,
      consecutive_failures: this.counter.state,
      reset_after_ms: this.options.breaker.resetMs,
    };
  }
}
