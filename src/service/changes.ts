import { BinderyError, type ChangePage, DEFAULT_CHANGES_PAGE, decodeCursor } from '../contract/index.js';
import type { ChangeFilter, ChangeStore } from '../store/change-log.js';
import { keysetPage } from '../store/cursor.js';
import { type Handlers, pageRequest, type ServiceContext } from './context.js';

type ChangeOps = 'list_changes' | 'get_history';

/**
 * A page of the log after `since`. A position beyond the newest change cannot come from this store (it was
 * replaced or restored from an older backup): refused, naming `since`. A position already pruned is
 * answered from the oldest change kept, with `reset` set so the reader drops what it derived.
 */
export async function readChanges(
  store: ChangeStore,
  since: number,
  filter: ChangeFilter,
  limit: number,
): Promise<ChangePage> {
  const first = await store.changesAfter(since, filter, limit);
  if (since > first.newest) {
    throw BinderyError.validation([
      { field: 'since', reason: `is beyond the newest change (${first.newest}) of this store` },
    ]);
  }
  const reset = since < first.pruned_through;
  const read = reset ? await store.changesAfter(first.pruned_through, filter, limit) : first;
  const last = read.items.at(-1);
  // A short page read everything up to `newest`; the next read starts there, not at the last match.
  const next = read.items.length === limit && last ? last.seq : Math.max(read.newest, since);
  return { items: read.items, next_since: reset && !last ? read.newest : next, reset };
}

export function changeHandlers({ store }: ServiceContext): Handlers<ChangeOps> {
  return {
    async list_changes({ since = 0, limit = DEFAULT_CHANGES_PAGE, entity, project_id }) {
      return readChanges(store, since, { entity, project_id }, limit);
    },

    /** Read from the log alone, so it answers for a deleted entity too. */
    async get_history({ entity, id, ...page }) {
      const { limit, cursor } = pageRequest(page);
      const { items, total } = await store.history(entity, id, {
        limit: limit + 1,
        before: decodeCursor(cursor),
      });
      return keysetPage(items, limit, total, (rows) => [...rows]);
    },
  };
}
