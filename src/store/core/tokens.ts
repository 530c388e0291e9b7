import { BinderyError, type TokenInfo, type TokenScope } from '../../contract/index.js';
import type { Dialect, Executor } from './dialect.js';

/** A token as stored: its public description and the SHA-256 (hex) of its secret, never the secret. */
export interface TokenRecord extends TokenInfo {
  hash: string;
}

interface TokenRow extends Omit<TokenRecord, 'project_ids'> {
  project_ids: unknown;
}

const COLUMNS = 'name, scope, project_ids, expires_at, created_at, created_by, last_used_at, hash';

/** Named tokens: names are unique; a lookup is by the secret's hash. */
export class TokenCore {
  constructor(private readonly dialect: Dialect) {}

  private record(row: TokenRow): TokenRecord {
    return {
      name: row.name,
      scope: row.scope as TokenScope,
      project_ids: row.project_ids == null ? null : this.dialect.decodeList(row.project_ids),
      expires_at: row.expires_at,
      created_at: row.created_at,
      created_by: row.created_by,
      last_used_at: row.last_used_at,
      hash: row.hash,
    };
  }

  async insert(x: Executor, token: TokenRecord): Promise<TokenRecord> {
    if (await x.value('SELECT 1 FROM tokens WHERE name = $1', [token.name])) {
      throw BinderyError.conflict(`A token named "${token.name}" already exists.`, [
        { field: 'name', reason: 'is taken; revoke that token first or choose another name' },
      ]);
    }
    await x.run(
      `INSERT INTO tokens (name, hash, scope, project_ids, expires_at, created_at, created_by, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)`,
      [
        token.name,
        token.hash,
        token.scope,
        token.project_ids === null ? null : this.dialect.encodeList(token.project_ids),
        token.expires_at,
        token.created_at,
        token.created_by,
      ],
    );
    return (await this.get(x, token.name))!;
  }

  async get(x: Executor, name: string): Promise<TokenRecord | null> {
    const row = await x.row<TokenRow>(`SELECT ${COLUMNS} FROM tokens WHERE name = $1`, [name]);
    return row ? this.record(row) : null;
  }

  /** Every token, by name (a team has tens of them, not millions). */
  async list(x: Executor): Promise<TokenRecord[]> {
    const rows = await x.rows<TokenRow>(`SELECT ${COLUMNS} FROM tokens ORDER BY name`);
    return rows.map((row) => this.record(row));
  }

  /**
   * Deletes a token; false when there is none of that name. With `keepAnAdmin`, the last admin token
   * that has not expired is refused: nobody could manage tokens over HTTP any more.
   */
  async delete(x: Executor, name: string, keepAnAdmin: boolean, now: string): Promise<boolean> {
    const scope = await x.value<string>(`SELECT scope FROM tokens WHERE name = $1${this.dialect.forUpdate}`, [
      name,
    ]);
    if (scope === undefined) return false;
    if (keepAnAdmin && scope === 'admin') {
      const others = await x.value<number>(
        `SELECT count(*) FROM tokens WHERE scope = 'admin' AND name <> $1 AND (expires_at IS NULL OR expires_at > $2)`,
        [name, now],
      );
      if (Number(others ?? 0) === 0) {
        throw BinderyError.conflict(
          `Revoking "${name}", the last admin token, would lock everyone out (no BINDERY_TOKEN is set); create another admin token first, or run "bindery token revoke ${name} --force" on the server's machine.`,
          [{ field: 'name', reason: 'is the last admin token' }],
        );
      }
    }
    return (await x.run('DELETE FROM tokens WHERE name = $1', [name])) > 0;
  }

  /** Records a use; the caller does it at most once a minute per token. */
  async touch(x: Executor, name: string, at: string): Promise<void> {
    await x.run('UPDATE tokens SET last_used_at = $2 WHERE name = $1', [name, at]);
  }
}
