import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sqlitePath } from '../../src/runtime/workspace.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { tempWorkspace } from '../helpers/workspace.js';
import { expectPreviousReleaseIntact, FIXTURES } from './upgrade-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a SQLite store made by the previous release', () => {
  it('opens with every entity, id, version, timestamp and search hit intact', async () => {
    const ws = tempWorkspace();
    cleanups.push(ws.remove);
    const path = sqlitePath(ws.dir);
    mkdirSync(dirname(path), { recursive: true });
    copyFileSync(join(FIXTURES, 'tasks.db'), path);
    const store = new SqliteStore(path);
    cleanups.push(() => store.close());
    expect((await store.info()).schema_version).toBe(MIGRATIONS.at(-1)!.version);
    await expectPreviousReleaseIntact(store, ws.dir);
  });
});
