import type { Store } from '../store/types.js';

/** How often the server frees the tasks of executions whose lease ended (docs/coordination.md). */
export const LEASE_SWEEP_MS = 5_000;

/**
 * Expires ended leases in the background, so a task held by an agent that died goes back to todo even
 * when nobody reads it (reads and claims expire leases themselves too). The store records each expiry as
 * the `system` actor. Returns a function that stops the sweep.
 */
export function sweepLeasesInBackground(
  store: Pick<Store, 'expireLeases'>,
  onExpired: (count: number) => void,
  onError: (error: unknown) => void,
  everyMs = LEASE_SWEEP_MS,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= store
      .expireLeases(new Date().toISOString())
      .then((count) => {
        if (count > 0) onExpired(count);
      })
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
