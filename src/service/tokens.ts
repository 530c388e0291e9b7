import { createHash, randomBytes } from 'node:crypto';
import { BinderyError, TOKEN_PREFIX, type TokenInfo } from '../contract/index.js';
import { currentAccess, currentActor } from '../store/actor.js';
import type { TokenRecord } from '../store/types.js';
import type { Handlers, ServiceContext } from './context.js';

type TokenOps = 'create_token' | 'list_tokens' | 'revoke_token' | 'get_access';

/** Random bytes of a secret: 256 bits, beyond guessing whatever the rate. */
export const TOKEN_SECRET_BYTES = 32;

/** The stored form of a secret: its SHA-256, hex. A copy of the database yields no usable secret. */
export function tokenHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newTokenSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(TOKEN_SECRET_BYTES).toString('base64url')}`;
}

export function publicToken({ hash: _hash, ...info }: TokenRecord): TokenInfo {
  return info;
}

export interface TokenServiceOptions {
  /**
   * BINDERY_TOKEN is set (or the caller is at the machine with --force): revoking the last admin token
   * locks nobody out.
   */
  rootCredential?: boolean;
  /** Called after this process created or revoked a token, so its own checks see it at once. */
  onTokensChanged?: () => void;
}

export function tokenHandlers(ctx: ServiceContext & TokenServiceOptions): Handlers<TokenOps> {
  const { store, now } = ctx;
  const changed = () => ctx.onTokensChanged?.();
  return {
    async create_token(args) {
      const at = now();
      const projects = args.project_ids ? [...new Set(args.project_ids.map((id) => id.toLowerCase()))] : null;
      if (projects) {
        const found = await store.existing('project', projects);
        const missing = projects.find((id) => !found.has(id));
        if (missing) throw BinderyError.notFound('project', missing);
      }
      const expires = args.expires_at === undefined ? null : new Date(args.expires_at);
      if (expires && expires <= at) {
        throw BinderyError.validation([{ field: 'expires_at', reason: 'must be in the future' }]);
      }
      const secret = newTokenSecret();
      const record = await store.insertToken({
        name: args.name,
        scope: args.scope,
        project_ids: projects,
        expires_at: expires?.toISOString() ?? null,
        created_at: at.toISOString(),
        created_by: currentActor(),
        last_used_at: null,
        hash: tokenHash(secret),
      });
      changed();
      return { ...publicToken(record), token: secret };
    },

    async list_tokens() {
      return { items: (await store.listTokens()).map(publicToken) };
    },

    async revoke_token({ name }) {
      const keepAnAdmin = !ctx.rootCredential;
      if (!(await store.deleteToken(name, { keepAnAdmin, now: now().toISOString() }))) {
        throw new BinderyError('not_found', `No token named "${name}".`, { details: { name } });
      }
      changed();
      return { success: true as const, name };
    },

    async get_access() {
      const access = currentAccess();
      if (!access) return { token: null, scope: 'admin' as const, project_ids: null };
      return {
        token: access.token,
        scope: access.scope,
        project_ids: access.project_ids && [...access.project_ids],
      };
    },
  };
}
