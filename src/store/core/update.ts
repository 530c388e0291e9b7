import type { Dialect } from './dialect.js';

/**
 * The SET list of an update by id ($1), `version = version + 1` first, then each given column that is in
 * `allowed` (the names are spliced into SQL, so only these pass), tags and labels encoded as the dialect stores them.
 */
export function assignments<C extends object>(
  dialect: Dialect,
  id: string,
  changes: C,
  allowed: readonly (keyof C & string)[],
): { sql: string; params: unknown[] } {
  const params: unknown[] = [id];
  const set = ['version = version + 1'];
  for (const column of allowed) {
    const value = changes[column];
    if (value === undefined) continue;
    if (column === 'tags') params.push(dialect.encodeList(value as string[]));
    else if (column === 'labels') params.push(dialect.encodeObject(value));
    else params.push(value);
    set.push(`${column} = $${params.length}`);
  }
  return { sql: set.join(', '), params };
}
