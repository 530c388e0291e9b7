import { type Env, integer, seconds } from '../runtime/settings.js';

/** The manager's part of the environment (README's Configuration table plus its own lifetime settings). */
export interface ManagerSettings {
  /** BINDERY_PORT when set to a port; undefined (unset or 0) lets the manager pick a free one. */
  port: number | undefined;
  host: string;
  /** BINDERY_IDLE_GRACE_S: how long a managed backend outlives its last MCP process. */
  idleGraceMs: number;
  /** BINDERY_LEASE_REFRESH_S: how often an MCP process renews its lease. */
  leaseRefreshMs: number;
}

export function managerSettings(env: Env): ManagerSettings {
  // Blank counts as unset here: the manager then picks a free port.
  const port = integer({ BINDERY_PORT: env.BINDERY_PORT?.trim() }, 'BINDERY_PORT', 0, 0, 65535);
  return {
    port: port || undefined,
    host: env.BINDERY_HOST || '127.0.0.1',
    idleGraceMs: seconds(env, 'BINDERY_IDLE_GRACE_S', 30, 0),
    leaseRefreshMs: seconds(env, 'BINDERY_LEASE_REFRESH_S', 5, 0.05),
  };
}
