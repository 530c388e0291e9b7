import { setTimeout as sleep } from 'node:timers/promises';
import { BinderyError } from '../contract/index.js';
import { probeHealth } from './health.js';
import { cpuTicks, isAlive, signal } from './process.js';
import type { ServerInfo } from './server-file.js';

export interface RestartPolicy {
  /** How often the backend's pid is checked. */
  pollMs: number;
  /**
   * How often /health is asked, how long an answer may take, and after how many unanswered probes in a
   * row a live but silent backend (hung, stopped, stuck in a loop) is killed so it can be restarted.
   */
  healthEveryMs: number;
  healthTimeoutMs: number;
  maxSilentProbes: number;
  /** More deaths than this within `windowMs` and the supervisor gives up. */
  maxCrashes: number;
  windowMs: number;
  /** Backoff before the 2nd, 3rd … restart in a window: base, 2×base, … capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  pollMs: 250,
  // Silent for ~15–20 s: far beyond any request (statements time out after 15 s, SQLite busy after 5 s).
  healthEveryMs: 5_000,
  healthTimeoutMs: 3_000,
  maxSilentProbes: 3,
  maxCrashes: 5,
  windowMs: 60_000,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
};

export type SupervisorState = 'running' | 'restarting' | 'failed';

export interface SupervisorHooks {
  /** Finds or launches a backend again (under the manager lock). */
  restart: () => Promise<ServerInfo>;
  onRestart: (info: ServerInfo, previous: ServerInfo) => void;
  onFailure: (error: BinderyError) => void;
  onRestartError: (error: unknown) => void;
  /** The backend's pid lives but it stopped answering /health; it is killed and restarted. */
  onUnresponsive: (info: ServerInfo) => void;
  /** The backend did not answer /health but is working (its CPU time grew): it is left running. */
  onBusy?: (info: ServerInfo) => void;
}

/**
 * Watches the backend's pid (the backend is not necessarily this process's child: it may have been
 * launched by another MCP process) and its /health, kills it when it lives but no longer answers, and
 * brings a backend back when it dies — the first time at once, then with growing delays, and not at all
 * after `maxCrashes` deaths within the window.
 */
export class Supervisor {
  state: SupervisorState = 'running';
  restarts = 0;
  failure: BinderyError | undefined;
  #current: ServerInfo;
  #crashes: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #lastProbe = Date.now();
  #probing = false;
  #silentProbes = 0;
  /** The backend's CPU time at the last probe: silent but working is busy, silent and idle is hung. */
  #cpuTicks: number | undefined;
  readonly #policy: RestartPolicy;
  readonly #hooks: SupervisorHooks;

  constructor(current: ServerInfo, hooks: SupervisorHooks, policy: RestartPolicy) {
    this.#current = current;
    this.#hooks = hooks;
    this.#policy = policy;
  }

  get current(): ServerInfo {
    return this.#current;
  }

  start(): void {
    this.#timer = setInterval(() => void this.#check(), this.#policy.pollMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  async #check(): Promise<void> {
    if (this.state !== 'running') return;
    if (isAlive(this.#current.pid)) return this.#watchHealth();
    this.state = 'restarting';
    let lastError: unknown;
    while (!this.#stopped) {
      const now = Date.now();
      this.#crashes = this.#crashes.filter((t) => now - t < this.#policy.windowMs);
      this.#crashes.push(now);
      if (this.#crashes.length > this.#policy.maxCrashes) {
        this.#giveUp(lastError);
        return;
      }
      await sleep(this.#delay(this.#crashes.length));
      if (this.#stopped) return;
      try {
        const previous = this.#current;
        this.#current = await this.#hooks.restart();
        this.restarts++;
        this.state = 'running';
        this.#hooks.onRestart(this.#current, previous);
        return;
      } catch (error) {
        lastError = error;
        this.#hooks.onRestartError(error);
      }
    }
  }

  /**
   * Only a backend that does not answer at all counts: one answering 503 (its database down) is left be.
   * A silent backend that used CPU since the last probe is busy (a long request, a flood it sheds), not
   * hung: it is left be too. Hung means silent and idle — stopped, or blocked on something that never comes.
   */
  async #watchHealth(): Promise<void> {
    if (this.#probing || Date.now() - this.#lastProbe < this.#policy.healthEveryMs) return;
    this.#probing = true;
    const watched = this.#current;
    try {
      const probe = await probeHealth(watched.url, this.#policy.healthTimeoutMs);
      this.#lastProbe = Date.now();
      const ticks = cpuTicks(watched.pid);
      const busy = ticks !== undefined && this.#cpuTicks !== undefined && ticks > this.#cpuTicks;
      this.#cpuTicks = ticks;
      if (probe.kind !== 'bindery' && busy) this.#hooks.onBusy?.(watched);
      this.#silentProbes = probe.kind === 'bindery' || busy ? 0 : this.#silentProbes + 1;
      if (this.#silentProbes < this.#policy.maxSilentProbes || this.#current !== watched) return;
      this.#silentProbes = 0;
      this.#hooks.onUnresponsive(watched);
      signal(watched.pid, 'SIGKILL'); // the next check finds it gone and restarts it
    } finally {
      this.#probing = false;
    }
  }

  #delay(crashes: number): number {
    if (crashes <= 1) return 0;
    return Math.min(this.#policy.baseDelayMs * 2 ** (crashes - 2), this.#policy.maxDelayMs);
  }

  #giveUp(lastError: unknown): void {
    this.stop();
    this.state = 'failed';
    const count = this.#crashes.length;
    const seconds = Math.round(this.#policy.windowMs / 1000);
    const cause = lastError instanceof Error ? ` Last restart attempt: ${lastError.message}` : '';
    this.failure = new BinderyError(
      'connection_error',
      `The Bindery backend stopped ${count} times within ${seconds} s, so it is not restarted again; ` +
        `restart the MCP server after checking "bindery status" and the server log.${cause}`,
    );
    this.#hooks.onFailure(this.failure);
  }
}
