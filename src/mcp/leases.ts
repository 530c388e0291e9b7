import { type BinderyApi, BinderyError, DEFAULT_LEASE_S, type OpOutput } from '../contract/index.js';
import type { Logger } from '../runtime/logger.js';

interface Held {
  taskId: string;
  leaseS: number;
  timer: NodeJS.Timeout;
}

/**
 * Keeps the leases of the executions this MCP process started alive while it runs: each is heartbeated
 * at a third of its lease, so only a process that died (or lost its backend for two thirds of a lease)
 * loses its claim. A heartbeat refused because the execution ended (completed, cancelled, expired, gone)
 * stops its timer; so does completing or updating the task through this process.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly api: BinderyApi,
    private readonly logger: Logger,
  ) {}

  /** The API with execute_task and next_task(claim) answers tracked; everything else passes through. */
  wrap(api: BinderyApi): BinderyApi {
    const tracked: Partial<BinderyApi> = {
      execute_task: async (input) => {
        const answer = await api.execute_task(input);
        this.hold(answer, input.lease_s);
        return answer;
      },
      next_task: async (input) => {
        const answer = await api.next_task(input);
        if (answer.execution) this.hold(answer.execution, input.lease_s);
        return answer;
      },
      complete_task: async (input) => {
        const answer = await api.complete_task(input);
        this.releaseTask(input.task_id);
        return answer;
      },
    };
    // A proxy, not a spread: the API may be one whose methods are not own properties (the manager's
    // reconnecting client resolves them when called).
    return new Proxy(api, {
      get: (target, name, receiver) =>
        Object.hasOwn(tracked, name)
          ? tracked[name as keyof BinderyApi]
          : Reflect.get(target, name, receiver),
    });
  }

  /** Executions being kept alive now. */
  get size(): number {
    return this.held.size;
  }

  private hold(answer: OpOutput<'execute_task'>, leaseS = DEFAULT_LEASE_S): void {
    this.release(answer.execution_id);
    const timer = setInterval(() => void this.beat(answer.execution_id), (leaseS * 1000) / 3);
    timer.unref();
    this.held.set(answer.execution_id, { taskId: answer.task_id, leaseS, timer });
  }

  private async beat(executionId: string): Promise<void> {
    const held = this.held.get(executionId);
    if (!held) return;
    try {
      await this.api.heartbeat_execution({ execution_id: executionId, lease_s: held.leaseS });
    } catch (error) {
      if (error instanceof BinderyError && (error.code === 'conflict' || error.code === 'not_found')) {
        this.release(executionId);
        return;
      }
      // A backend that does not answer now may answer at the next beat, still within the lease.
      this.logger.warn({ err: error, execution_id: executionId }, 'lease heartbeat failed');
    }
  }

  private releaseTask(taskId: string): void {
    for (const [id, held] of this.held) if (held.taskId === taskId) this.release(id);
  }

  private release(executionId: string): void {
    const held = this.held.get(executionId);
    if (!held) return;
    clearInterval(held.timer);
    this.held.delete(executionId);
  }

  /** Stops every heartbeat (the process is closing: its leases run out on their own). */
  close(): void {
    for (const id of [...this.held.keys()]) this.release(id);
  }
}
