import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../../src/contract/index.js';
import type { NewTask } from '../../../src/store/types.js';
import { openStore } from './open.js';

const TASKS = 50_000;
const BATCH = 5_000;

/** Median of a few runs, in ms: one cold plan or a GC pause should not decide the test. */
async function median(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[2]!;
}

describe('PostgreSQL at 50,000 tasks', () => {
  // Seeding writes every task's change-log row too (a deferred trigger per row): give it time on a loaded
  // machine. What is asserted is the query times after it.
  it('answers the dashboard, a list page and a search quickly with plain indexed counts', {
    timeout: 120_000,
  }, async () => {
    const store = await openStore();
    const now = Date.now();
    for (let start = 0; start < TASKS; start += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, k): NewTask => {
        const i = start + k;
        const at = new Date(now - i * 60_000).toISOString();
        return {
          id: randomUUID(),
          updated_by: 'anonymous',
          title: `task ${i} ${i % 97 === 0 ? 'needle' : 'hay'}`,
          description: 'scale test',
          status: TASK_STATUSES[i % TASK_STATUSES.length]!,
          priority: TASK_PRIORITIES[i % TASK_PRIORITIES.length]!,
          tags: [`t${i % 10}`],
          labels: {},
          parent_id: null,
          project_id: null,
          role: null,
          depends_on: [],
          due_at: i % 5 === 0 ? new Date(now + (i % 20) * 86_400_000 - 10 * 86_400_000).toISOString() : null,
          created_at: at,
          updated_at: at,
          completed_at: null,
          completion_notes: null,
          version: 1,
        };
      });
      await store.insertTasks(batch);
    }
    await store.probe();

    const dashboard = await store.dashboardCounts(new Date(now));
    expect(dashboard.total_tasks).toBe(TASKS);
    expect(Object.values(dashboard.status_breakdown).reduce((a, b) => a + b)).toBe(TASKS);
    expect(await median(() => store.dashboardCounts(new Date(now)))).toBeLessThan(250);
    expect(await median(() => store.listTasks({ tag: 't3' }, { limit: 50 }, 'summary'))).toBeLessThan(100);
    expect(
      await median(() => store.search({ text: 'needle', types: ['task'], limit: 10, offset: 0 })),
    ).toBeLessThan(150);
  });
});
