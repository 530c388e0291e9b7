/** The manager's part of the environment (SPEC §8 plus its own lifetime settings). */
export interface ManagerSettings {
  /** BINDERY_PORT when set to a port; undefined (unset or 0) lets the manager pick a free one. */
  port: number | undefined;
  host: string;
  /** BINDERY_IDLE_GRACE_S: how long a managed backend outlives its last MCP process. */
  idleGraceMs: number;
  /** BINDERY_LEASE_REFRESH_S: how often an MCP process renews its lease. */
  leaseRefreshMs: number;
}

type Env = Record<string, string | undefined>;

function seconds(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback * 1000;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min) {
    throw new Error(`${name} must be a number of seconds ≥ ${min}, got "${raw}".`);
  }
  return value * 1000;
}

export function managerSettings(env: Env): ManagerSettings {
  const rawPort = env.BINDERY_PORT?.trim();
  let port: number | undefined;
  if (rawPort) {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port > 65535) {
      throw new Error(`BINDERY_PORT must be a whole number from 0 to 65535, got "${env.BINDERY_PORT}".`);
    }
  }
  return {
    port: port || undefined,
    host: env.BINDERY_HOST || '127.0.0.1',
    idleGraceMs: seconds(env, 'BINDERY_IDLE_GRACE_S', 30, 0),
    leaseRefreshMs: seconds(env, 'BINDERY_LEASE_REFRESH_S', 5, 0.05),
  };
}
