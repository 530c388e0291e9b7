import { describe, expect, it } from 'vitest';
import { runAsCaller } from '../../src/store/actor.js';
import type { TokenRecord } from '../../src/store/types.js';
import { at, STORES } from './stores.js';

function token(fields: Partial<TokenRecord> = {}): TokenRecord {
  return {
    name: 'ci-bot',
    scope: 'write',
    project_ids: null,
    expires_at: null,
    created_at: at(),
    created_by: 'admin',
    last_used_at: null,
    hash: 'a'.repeat(64),
    ...fields,
  };
}

describe.each(STORES)('tokens on the $kind store', ({ open }) => {
  it('stores a token by name with its hash, lists it, touches it and deletes it, logging create and revoke', async () => {
    const store = await open();
    const projects = ['6f1c3a52-8f8e-4d5e-9a51-2a8f1d1e0c11'];
    const made = await runAsCaller({ actor: 'root-admin', client: 'claude-code' }, () =>
      store.insertToken(token({ project_ids: projects, expires_at: '2099-01-01T00:00:00.000Z' })),
    );
    expect(made).toMatchObject({
      name: 'ci-bot',
      scope: 'write',
      project_ids: projects,
      hash: 'a'.repeat(64),
    });
    await expect(store.insertToken(token({ hash: 'b'.repeat(64) }))).rejects.toMatchObject({
      code: 'conflict',
    });
    const used = at();
    await store.touchToken('ci-bot', used);
    expect(await store.listTokens()).toEqual([{ ...made, last_used_at: used }]);
    expect(await store.deleteToken('ci-bot', { keepAnAdmin: true, now: at() })).toBe(true);
    expect(await store.deleteToken('ci-bot', { keepAnAdmin: true, now: at() })).toBe(false);
    const log = (await store.changesAfter(0, { entity: 'token' }, 10)).items;
    expect(log.map((c) => [c.op, c.id, c.actor])).toEqual([
      ['created', 'ci-bot', 'root-admin'],
      ['deleted', 'ci-bot', 'anonymous'],
    ]);
    expect(log[0]!.client).toBe('claude-code');
    expect(JSON.stringify(log)).not.toContain('a'.repeat(64));
  });

  it('refuses to delete the last live admin token unless told the root credential remains', async () => {
    const store = await open();
    await store.insertToken(token({ name: 'boss', scope: 'admin' }));
    await store.insertToken(
      token({
        name: 'old-boss',
        scope: 'admin',
        hash: 'c'.repeat(64),
        expires_at: '2020-01-01T00:00:00.000Z',
      }),
    );
    await expect(store.deleteToken('boss', { keepAnAdmin: true, now: at() })).rejects.toThrow(
      /would lock everyone out/,
    );
    expect(await store.deleteToken('boss', { keepAnAdmin: false, now: at() })).toBe(true);
  });

  it('records the declared client beside a task change', async () => {
    const store = await open();
    const project = await runAsCaller({ actor: 'ci-bot', client: 'cursor' }, () =>
      store.insertProject({
        id: '0a6c1f3e-5b7d-4c2a-8e9f-1d2c3b4a5e6f',
        name: 'p',
        description: '',
        tags: [],
        created_at: at(),
        updated_at: at(),
        version: 1,
        updated_by: 'ci-bot',
      }),
    );
    const [change] = (await store.changesAfter(0, { entity: 'project' }, 10)).items;
    expect(change).toMatchObject({ id: project.id, actor: 'ci-bot', client: 'cursor' });
  });
});
