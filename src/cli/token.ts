import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { BINDERY_VERSION, type BinderyApi, type TokenInfo } from '../contract/index.js';
import { ConfigError } from '../runtime/settings.js';
import { RoleRegistry } from '../service/roles.js';
import { createService } from '../service/service.js';
import { runAsActor } from '../store/actor.js';
import { openTransferStore } from './transfer-store.js';

export const TOKEN_USAGE = `Usage: bindery token <create|list|revoke> [options]

  bindery token create NAME --scope read|write|admin [--project ID]... [--expires-in 30d] [--json]
      Makes a named token and prints its secret alone on stdout (with --json: {name, scope, token, ...}).
      The secret is shown this once: only its SHA-256 is stored.
  bindery token list [--json]
      Every token: name, scope, projects, expiry, last use. Never a secret.
  bindery token revoke NAME [--force]
      Revokes a token; every server refuses it within a second. The last admin token is refused while
      BINDERY_TOKEN is unset (it would lock everyone out) unless --force.

They work on the store directly, whether a server runs or not. The store is chosen as for "bindery serve":
--database-url or BINDERY_DATABASE_URL selects PostgreSQL, else the workspace's SQLite file (--workspace).
Names are 1-64 of a-z 0-9 . _ -; --expires-in takes a number and s, m, h, d or w (90m, 12h, 30d).`;

const UNITS_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86_400e3, w: 604_800e3 };

/** `30d` → the expiry that far from now; anything else is one line naming the flag. */
export function expiresIn(value: string, now = Date.now()): string {
  const match = /^(\d{1,6})([smhdw])$/.exec(value.trim());
  if (!match || Number(match[1]) === 0) {
    throw new ConfigError(`--expires-in must be a duration like 90m, 12h, 30d or 2w, got "${value}".`);
  }
  return new Date(now + Number(match[1]) * UNITS_MS[match[2]!]!).toISOString();
}

/** Who a token made at the machine was made by: the user running the command. */
function machineActor(): string {
  try {
    return `cli:${userInfo().username}`.slice(0, 100);
  } catch {
    return 'cli';
  }
}

function listLine(token: TokenInfo): string {
  const projects = token.project_ids ? token.project_ids.join(',') : 'all projects';
  const expires = token.expires_at ? `expires ${token.expires_at}` : 'no expiry';
  const used = token.last_used_at ? `last used ${token.last_used_at}` : 'never used';
  return `${token.name}\t${token.scope}\t${projects}\t${expires}\t${used}`;
}

export async function tokenCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      scope: { type: 'string' },
      project: { type: 'string', multiple: true },
      'expires-in': { type: 'string' },
      json: { type: 'boolean' },
      force: { type: 'boolean' },
      workspace: { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [action, name, ...extra] = positionals;
  if (values.help || action === undefined) {
    process.stdout.write(`${TOKEN_USAGE}\n`);
    return;
  }
  const usage = (message: string) => Object.assign(new Error(message), { code: 'ERR_PARSE_ARGS_USAGE' });
  if (extra.length > 0) throw usage(`Unexpected "${extra[0]}".`);
  if (!['create', 'list', 'revoke'].includes(action)) throw usage(`Unknown token command "${action}".`);
  if (action !== 'list' && name === undefined) throw usage(`Name the token: bindery token ${action} NAME.`);
  const expires = values['expires-in'] === undefined ? undefined : expiresIn(values['expires-in']);
  const store = await openTransferStore(values, { mustExist: action !== 'create' });
  const api: BinderyApi = createService({
    store,
    roles: new RoleRegistry(),
    version: BINDERY_VERSION,
    workspace: '',
    rootCredential: values.force === true || Boolean(process.env.BINDERY_TOKEN),
  });
  try {
    await runAsActor(machineActor(), async () => {
      if (action === 'create') {
        const made = await api.create_token({
          name: name!,
          scope: values.scope as never,
          ...(values.project ? { project_ids: values.project } : {}),
          ...(expires ? { expires_at: expires } : {}),
        });
        process.stdout.write(values.json ? `${JSON.stringify(made)}\n` : `${made.token}\n`);
      } else if (action === 'list') {
        const { items } = await api.list_tokens({});
        process.stdout.write(
          values.json ? `${JSON.stringify(items)}\n` : items.map((t) => `${listLine(t)}\n`).join(''),
        );
      } else {
        await api.revoke_token({ name: name! });
        process.stdout.write(`Revoked token ${name}.\n`);
      }
    });
  } finally {
    await store.close();
  }
}
