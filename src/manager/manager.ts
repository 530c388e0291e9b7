import { accessSync, constants } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BinderyError, isLoopbackUrl } from '../contract/index.js';
import type { Env } from '../runtime/settings.js';
import { dataDir, managerPaths } from '../runtime/workspace.js';
import { ensurePrivateDir } from '../store/private-files.js';
import { discover, provenProbe } from './discovery.js';
import { baseUrl, isPortFree, type Probe, probeHealth } from './health.js';
import { launchBackend } from './launcher.js';
import { Lease } from './lease.js';
import { acquireLock } from './lock.js';
import { isBinderyServe, stopProcess } from './process.js';
import { type ServerInfo, unpublishServerFile } from './server-file.js';
import { type ManagerSettings, managerSettings } from './settings.js';
import {
  DEFAULT_RESTART_POLICY,
  type RestartPolicy,
  Supervisor,
  type SupervisorState,
} from './supervisor.js';

/** The logging the manager needs; a pino logger fits. */
export interface ManagerLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface EnsureBackendOptions {
  workspace: string;
  /** Settings (BINDERY_PORT, BINDERY_HOST, BINDERY_IDLE_GRACE_S, …) and the launched server's environment. */
  env?: Env;
  log?: ManagerLog;
  launchTimeoutMs?: number;
  restartPolicy?: Partial<RestartPolicy>;
}

export interface BackendStatus {
  state: SupervisorState;
  url: string;
  pid: number;
  /** True when this process launched the backend it first used. */
  launched: boolean;
  restarts: number;
  error?: string;
}

interface Context {
  workspace: string;
  env: Env;
  settings: ManagerSettings;
  log: ManagerLog;
  launchTimeoutMs: number | undefined;
}

const silent: ManagerLog = { info() {}, warn() {}, error() {} };

/**
 * Finds this workspace's backend or launches one, and keeps it available for as long as this process
 * holds the returned Backend: a lease tells the server it is in use, a supervisor brings it back if it
 * dies. `release()` (or the process ending, however it ends) gives the lease up; the server then stops
 * by itself once no lease is left.
 */
export async function ensureBackend(options: EnsureBackendOptions): Promise<Backend> {
  const env = options.env ?? process.env;
  const ctx: Context = {
    workspace: options.workspace,
    env,
    settings: managerSettings(env),
    log: options.log ?? silent,
    launchTimeoutMs: options.launchTimeoutMs,
  };
  ensureWritable(ctx.workspace);
  // The lease exists before the backend is looked for, so a server launched (or about to retire)
  // meanwhile already counts this process.
  const lease = new Lease(ctx.workspace, ctx.settings.leaseRefreshMs);
  lease.start();
  try {
    const { info, launched } = await findOrLaunch(ctx);
    ctx.log.info(
      { url: info.url, backend_pid: info.pid, workspace: ctx.workspace },
      launched ? 'launched the Bindery backend' : 'attached to the running Bindery backend',
    );
    return new Backend(ctx, lease, info, launched, { ...DEFAULT_RESTART_POLICY, ...options.restartPolicy });
  } catch (error) {
    lease.release();
    throw error;
  }
}

/** A client started outside any project (cwd `/`, say) would otherwise fail with a bare EACCES. */
function ensureWritable(workspace: string): void {
  const dir = dataDir(workspace);
  try {
    ensurePrivateDir(dir);
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new BinderyError(
      'connection_error',
      `Cannot use ${dir} (${(error as NodeJS.ErrnoException).code ?? 'not writable'}): is ${workspace} the ` +
        'right workspace? Set BINDERY_WORKSPACE to your project directory in the MCP client configuration.',
    );
  }
}

export class Backend {
  readonly workspace: string;
  readonly launched: boolean;
  readonly #lease: Lease;
  readonly #supervisor: Supervisor;
  readonly #restartListeners: ((info: ServerInfo) => void)[] = [];
  readonly #failureListeners: ((error: BinderyError) => void)[] = [];
  #waiters: { resolve: () => void; reject: (error: BinderyError) => void }[] = [];

  constructor(ctx: Context, lease: Lease, info: ServerInfo, launched: boolean, policy: RestartPolicy) {
    this.workspace = ctx.workspace;
    this.launched = launched;
    this.#lease = lease;
    this.#supervisor = new Supervisor(
      info,
      {
        // Same port as before when it is still free, so clients retrying the old URL reach the new server.
        restart: async () => (await findOrLaunch(ctx, this.#supervisor.current.port)).info,
        onRestart: (next, previous) => {
          ctx.log.warn(
            { url: next.url, backend_pid: next.pid, previous_backend_pid: previous.pid },
            'the Bindery backend is back',
          );
          for (const listener of this.#restartListeners) listener(next);
          for (const waiter of this.#waiters.splice(0)) waiter.resolve();
        },
        onRestartError: (error) => ctx.log.warn({ err: error }, 'restarting the Bindery backend failed'),
        onBusy: (busy) =>
          ctx.log.warn(
            { url: busy.url, pid: busy.pid },
            'the Bindery backend is too busy to answer /health; it is working, so it is left running',
          ),
        onUnresponsive: (silent) =>
          ctx.log.warn(
            { url: silent.url, backend_pid: silent.pid },
            'the Bindery backend stopped answering /health; killing it to restart it',
          ),
        onFailure: (error) => {
          ctx.log.error({ err: error }, error.message);
          for (const listener of this.#failureListeners) listener(error);
          for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
        },
      },
      policy,
    );
    this.#supervisor.start();
  }

  get url(): string {
    return this.#supervisor.current.url;
  }

  get info(): ServerInfo {
    return this.#supervisor.current;
  }

  /** Set once the supervisor gave up: a `connection_error` explaining why. */
  get failure(): BinderyError | undefined {
    return this.#supervisor.failure;
  }

  status(): BackendStatus {
    const { state, restarts, failure, current } = this.#supervisor;
    return {
      state,
      url: current.url,
      pid: current.pid,
      launched: this.launched,
      restarts,
      ...(failure ? { error: failure.message } : {}),
    };
  }

  /**
   * Resolves at once while the backend runs; while the supervisor brings it back, once it is back (so a
   * call waits out a restart instead of failing); rejects once the supervisor has given up.
   */
  ready(): Promise<void> {
    const { state, failure } = this.#supervisor;
    if (failure) return Promise.reject(failure);
    if (state === 'running') return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Called with the new server after a restart (its URL may differ when the old port was taken). */
  onRestart(listener: (info: ServerInfo) => void): void {
    this.#restartListeners.push(listener);
  }

  onFailure(listener: (error: BinderyError) => void): void {
    this.#failureListeners.push(listener);
  }

  /** Stops supervising and gives up the lease; the backend outlives this only as long as others use it. */
  release(): void {
    this.#supervisor.stop();
    this.#lease.release();
  }
}

/** Under the manager lock, so of several processes starting together exactly one launches. */
async function findOrLaunch(
  ctx: Context,
  previousPort?: number,
): Promise<{ info: ServerInfo; launched: boolean }> {
  const { workspace, log } = ctx;
  const lock = await acquireLock(managerPaths(workspace).lockFile);
  try {
    const found = await discover(workspace, true);
    if (found.state === 'running') return { info: found.info, launched: false };
    if (found.state === 'unhealthy') {
      const { info, reason } = found;
      if (!info.managed) {
        throw new BinderyError(
          'connection_error',
          `The Bindery server of ${workspace} (pid ${info.pid}, ${info.url}) is not healthy: ${reason}. ` +
            'It was started by hand ("bindery serve"), so it is left alone: check it with "bindery status".',
        );
      }
      log.warn({ backend_pid: info.pid, reason }, 'stopping an unhealthy Bindery backend to replace it');
      await stopProcess(info.pid);
      unpublishServerFile(workspace, info.pid);
    } else if (found.stale) {
      log.warn({ reason: found.stale }, `${found.stale}; launching a backend as if it were not there`);
    }
    const port = await launchPort(ctx, previousPort);
    if (typeof port !== 'number') return { info: port, launched: false };
    const info = await launchBackend({ workspace, port, env: ctx.env, timeoutMs: ctx.launchTimeoutMs });
    return { info, launched: true };
  } finally {
    lock.release();
  }
}

/**
 * The port to launch on: BINDERY_PORT when set (a Bindery of this workspace already there is attached
 * to; anything else there is an error naming the port), else the previous port if still free, else 0.
 */
async function launchPort(ctx: Context, previousPort: number | undefined): Promise<number | ServerInfo> {
  const { port, host } = ctx.settings;
  if (port === undefined) {
    return previousPort && (await portFreesSoon(host, previousPort)) ? previousPort : 0;
  }
  const url = baseUrl(host, port);
  const probe = await probeHealth(url, 2_000);
  if (probe.kind === 'down') return port;
  if (probe.kind === 'bindery' && probe.healthy && (await isOurs(url, probe.body.pid, ctx.workspace))) {
    const { body } = probe;
    return {
      pid: body.pid,
      port,
      url,
      version: body.version,
      workspace: ctx.workspace,
      started_at: '',
      managed: false,
    };
  }
  throw new BinderyError('connection_error', portTakenMessage(port, probe));
}

/** The server at `url` (a loopback one) proves it is `pid`, this workspace's server. */
async function isOurs(url: string, pid: number, workspace: string): Promise<boolean> {
  if (!isLoopbackUrl(url) || !isBinderyServe(pid)) return false;
  const probe = await provenProbe({ url, pid }, workspace, 2_000);
  return probe.kind === 'bindery' && probe.proven;
}

/**
 * A process that was just killed can look gone a few ms before the kernel has released its listening
 * socket (measured: under 50 ms after SIGKILL of a stopped server), so the old port is given a moment.
 */
async function portFreesSoon(host: string, port: number): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if (await isPortFree(host, port)) return true;
    await sleep(50);
  }
  return false;
}

function portTakenMessage(port: number, probe: Exclude<Probe, { kind: 'down' }>): string {
  const holder =
    probe.kind === 'bindery' ? `a Bindery server for ${probe.body.workspace}` : 'another program';
  return (
    `Port ${port} (BINDERY_PORT) is in use by ${holder}, not by this workspace's Bindery: ` +
    'set BINDERY_PORT to a free port, or unset it to let Bindery pick one.'
  );
}
