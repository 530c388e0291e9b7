import { z } from 'zod';
import { Id, Timestamp, TimestampInput } from './common.js';
import { BinderyError } from './errors.js';

/**
 * Named access tokens (docs/access.md). `read` reads everything (search, changes, history included);
 * `write` adds every mutation; `admin` adds token management and the pool and metrics routes.
 */
export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export const TokenScopeSchema = z.enum(TOKEN_SCOPES, { error: 'must be read, write or admin' });

/** Whether `held` includes everything `needed` allows. */
export function scopeCovers(held: TokenScope, needed: TokenScope): boolean {
  return TOKEN_SCOPES.indexOf(held) >= TOKEN_SCOPES.indexOf(needed);
}

/** 403 `permission_denied` naming the scope a named token lacks, the same on REST, JSON-RPC and MCP. */
export function scopeRefusal(needed: TokenScope, what = 'This call'): BinderyError {
  return new BinderyError('permission_denied', `${what} needs a token with the ${needed} scope.`, {
    details: { needed_scope: needed },
    suggestions: [`Ask an admin for a token with the ${needed} scope; this token cannot do it.`],
  });
}

/** Every secret starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'bdy_';

export const TokenName = z
  .string()
  .regex(/^[a-z0-9._-]{1,64}$/, 'must be 1-64 characters of a-z 0-9 . _ -')
  .describe('The token name: unique, recorded as the actor of every change made with the token.');

export const MAX_TOKEN_PROJECTS = 100;

export const TokenInfo = z.strictObject({
  name: TokenName,
  scope: TokenScopeSchema,
  /** The projects the token is limited to; null: every project (and tasks without one). */
  project_ids: z.array(Id).nullable(),
  expires_at: Timestamp.nullable(),
  created_at: Timestamp,
  created_by: z.string(),
  /** When the token was last used, to the minute (updated at most once a minute). */
  last_used_at: Timestamp.nullable(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

export const CreateTokenInput = z.strictObject({
  name: TokenName,
  scope: TokenScopeSchema,
  project_ids: z
    .array(Id)
    .min(1, 'must name at least one project (leave it out for every project)')
    .max(MAX_TOKEN_PROJECTS, `at most ${MAX_TOKEN_PROJECTS} projects`)
    .optional()
    .describe('Limit the token to these projects.'),
  expires_at: TimestampInput.optional().describe('When the token stops working.'),
});

/** The answer to a create: the only time the secret is shown. */
export const CreatedToken = TokenInfo.extend({ token: z.string() });
export type CreatedToken = z.infer<typeof CreatedToken>;

export const TokenList = z.strictObject({ items: z.array(TokenInfo) });

export const TokenNameParams = z.strictObject({ name: TokenName });

export const RevokeTokenResult = z.strictObject({ success: z.literal(true), name: TokenName });

/** Who the caller is: a named token, the root credential (BINDERY_TOKEN) or an open loopback server. */
export const AccessInfo = z.strictObject({
  /** The token's name; null for BINDERY_TOKEN or no credential. */
  token: TokenName.nullable(),
  scope: TokenScopeSchema,
  project_ids: z.array(Id).nullable(),
});
export type AccessInfo = z.infer<typeof AccessInfo>;
