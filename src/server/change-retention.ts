import { SYSTEM_ACTOR } from '../contract/index.js';
import { runAsActor } from '../store/actor.js';
import type { ChangeStore } from '../store/change-log.js';

export interface ChangeRetentionOptions {
  /** Changes older than this many days are pruned. */
  days: number;
  /** At most this many changes are kept. */
  maxRows: number;
  /** How often to prune. */
  everyMs?: number;
}

/** Rows per pruning transaction: short, so writers waiting behind it are held for milliseconds. */
const BATCH = 5_000;

/** Prunes the change log in the background, in short batches; returns a function that stops it. */
export function pruneChangesInBackground(
  store: ChangeStore,
  options: ChangeRetentionOptions,
  onError: (error: unknown) => void,
): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const pruneAll = async () => {
    const before = new Date(Date.now() - options.days * 86_400_000).toISOString();
    while (!stopped && (await store.pruneChanges({ before, maxRows: options.maxRows }, BATCH)) > 0) {
      // Let waiting requests run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const tick = () => {
    running ??= runAsActor(SYSTEM_ACTOR, pruneAll)
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.everyMs ?? 60_000);
  timer.unref();
  tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
