// Named tokens: the cost of checking one on GET by id (named token vs no credential, one server, one run,
// rounds alternated so machine load hits both alike), and how long a revocation on one server takes to be
// refused by a second server on the same PostgreSQL (p99 over 50 revocations).
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { CLI, load, percentile, printTable, round, startBindery, tempDir } from './lib.mjs';

/** PostgreSQL for the two-server part: BINDERY_DATABASE_URL, else the local test database. */
const PG_URL =
  process.env.BINDERY_DATABASE_URL ??
  process.env.BINDERY_ACCESS_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

async function call(url, method, path, { body, token } = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** GET /api/tasks/:id without a credential (no token exists) and with a named read token, alternated. */
async function tokenCost(duration, rounds) {
  const ws = tempDir();
  const bindery = await startBindery(
    ws.dir,
    process.env.BINDERY_DATABASE_URL ? { BINDERY_DATABASE_URL: '' } : {},
  );
  try {
    const ids = [];
    for (let i = 0; i < 200; i++)
      ids.push((await call(bindery.url, 'POST', '/api/tasks', { body: { title: `t${i}` } })).body.id);
    let next = 0;
    const pick = () => ({ path: `/api/tasks/${ids[next++ % ids.length]}` });
    const totals = { none: 0, named: 0 };
    const runs = [];
    for (let round_ = 0; round_ < rounds; round_++) {
      const open = await load(bindery.url, { duration, path: '/', pick });
      const made = await call(bindery.url, 'POST', '/api/tokens', {
        body: { name: `bench-${round_}`, scope: 'read' },
      });
      const named = await load(bindery.url, {
        duration,
        path: '/',
        pick,
        headers: { authorization: `Bearer ${made.body.token}` },
      });
      // Revoking the only token (at the machine: a read token cannot) opens the loopback server again.
      execFileSync(process.execPath, [CLI, 'token', 'revoke', `bench-${round_}`, '--workspace', ws.dir], {
        env: { ...process.env, BINDERY_DATABASE_URL: '' },
      });
      await new Promise((resolve) => setTimeout(resolve, 700));
      totals.none += open.rps;
      totals.named += named.rps;
      runs.push({
        round: round_ + 1,
        'none req/s': open.rps,
        'named req/s': named.rps,
        errors: open.errors + named.errors,
      });
    }
    return { runs, ratio: round(totals.named / totals.none, 3) };
  } finally {
    await bindery.stop();
    ws.remove();
  }
}

/** 50 revocations on server A; each is timed until server B refuses the token. */
async function revocationDelay(revocations) {
  const schema = `bench_access_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const env = { BINDERY_DATABASE_URL: url.toString(), BINDERY_TOKEN: 'bench-root' };
  const dirs = [tempDir(), tempDir()];
  const [a, b] = await Promise.all(dirs.map((dir) => startBindery(dir.dir, env)));
  try {
    const delays = [];
    for (let i = 0; i < revocations; i++) {
      const made = await call(a.url, 'POST', '/api/tokens', {
        body: { name: `r${i}`, scope: 'read' },
        token: 'bench-root',
      });
      if ((await call(b.url, 'GET', '/api/roles', { token: made.body.token })).status !== 200)
        throw new Error('server B refused a token made on A');
      const revoke = await call(a.url, 'DELETE', `/api/tokens/r${i}`, { token: 'bench-root' });
      if (revoke.status !== 200) throw new Error(`revoke: ${revoke.status}`);
      const revokedAt = performance.now();
      while ((await call(b.url, 'GET', '/api/roles', { token: made.body.token })).status === 200);
      delays.push(performance.now() - revokedAt);
      // Requests on B keep its copy warm, as a busy server's would be; a pause spreads revocations over its cycle.
      await new Promise((resolve) => setTimeout(resolve, 37 * (i % 7)));
    }
    delays.sort((x, y) => x - y);
    return {
      n: delays.length,
      p50_ms: round(percentile(delays, 50), 1),
      p99_ms: round(percentile(delays, 99), 1),
      max_ms: round(delays.at(-1), 1),
    };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    for (const dir of dirs) dir.remove();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

export async function accessSuite({ quick }) {
  const cost = await tokenCost(quick ? 2 : 4, quick ? 2 : 4);
  printTable('GET /api/tasks/:id, named read token vs no credential (SQLite, one server)', [
    ...cost.runs,
    { round: 'named/none', 'none req/s': '', 'named req/s': cost.ratio, errors: '' },
  ]);
  const delay = await revocationDelay(quick ? 10 : 50);
  printTable('Revocation on server A refused by server B (two servers, one PostgreSQL)', [delay]);
  return { get_by_id: cost, revocation: delay };
}
