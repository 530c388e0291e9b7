/**
 * The PostgreSQL change log's order: a sequence hands out numbers when a row is inserted, but the row is
 * seen at commit, so a transaction that writes first and commits last would appear *behind* a reader that
 * already moved past it. These transactions commit in the opposite order of their first writes, and a
 * reader that only ever asks for `seq > last seen` must still see every row.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freshSchema, openStore } from './open.js';

const clients: pg.Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.end();
});

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

const insertProject = (c: pg.Client, name: string) =>
  c.query(
    `INSERT INTO projects (id, name, description, tags, created_at, updated_at, version)
     VALUES ($1, $2, '', '{}', now(), now(), 1)`,
    [randomUUID(), name],
  );

/** A reader that remembers only the last seq it saw, as every consumer of the log does. */
function reader(c: pg.Client) {
  let last = 0;
  const seen: string[] = [];
  return {
    seen,
    async poll() {
      const rows = (await c.query('SELECT seq, id FROM changes WHERE seq > $1 ORDER BY seq', [last])).rows;
      for (const row of rows) {
        seen.push(row.id);
        last = Number(row.seq);
      }
    },
  };
}

describe('the PostgreSQL change log under concurrent commits', () => {
  it('shows a transaction that wrote first but committed last to a reader already past the other', async () => {
    const schema = await freshSchema();
    await (await openStore(schema.url)).close();
    const [early, late, readConnection] = await Promise.all([1, 2, 3].map(() => connect(schema.url)));
    const read = reader(readConnection!);

    await early!.query('BEGIN');
    await insertProject(early!, 'wrote first');
    await late!.query('BEGIN');
    await insertProject(late!, 'wrote second');
    await late!.query('COMMIT');
    await read.poll();
    expect(read.seen).toHaveLength(1);
    await early!.query('COMMIT');
    await read.poll();
    expect(read.seen).toHaveLength(2);
    const names = (
      await readConnection!.query(
        'SELECT p.name FROM changes c JOIN projects p ON p.id = c.id ORDER BY c.seq',
      )
    ).rows;
    // Seqs follow commit order, not write order.
    expect(names.map((r) => r.name)).toEqual(['wrote second', 'wrote first']);
  });

  it('never lets a polling reader skip a row while many writers commit out of order', async () => {
    const schema = await freshSchema();
    await (await openStore(schema.url)).close();
    const writers = await Promise.all(Array.from({ length: 6 }, () => connect(schema.url)));
    const read = reader(await connect(schema.url));
    let writing = true;
    const polling = (async () => {
      while (writing) await read.poll();
      await read.poll();
    })();
    await Promise.all(
      writers.map(async (c, w) => {
        for (let i = 0; i < 15; i++) {
          await c.query('BEGIN');
          await insertProject(c, `w${w} ${i}`);
          // Hold the transaction open a random while, so commits interleave in every order.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
          await c.query('COMMIT');
        }
      }),
    );
    writing = false;
    await polling;
    const all = (await writers[0]!.query('SELECT id FROM changes ORDER BY seq')).rows.map((r) => r.id);
    expect(all).toHaveLength(90);
    expect(read.seen).toEqual(all);
  });
});
