// Batch changes: update_tasks with 500 items in one call against 500 update_task calls, one after the
// other, on the same 500 tasks of one server (REST; the ratio is taken within one run).
import { json, printTable, round, startBindery, tempDir } from './lib.mjs';

const ITEMS = 500;

async function timed(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export async function batchSuite({ quick }) {
  const workspace = tempDir();
  const server = await startBindery(workspace.dir);
  try {
    const plan = Array.from({ length: ITEMS }, (_, i) => `- [ ] bench task ${i}`).join('\n');
    const imported = await json(server.url, '/api/plans/import', {
      method: 'POST',
      body: { markdown: plan },
    });
    const ids = imported.tasks.map((task) => task.id);
    const rounds = quick ? 1 : 3;
    const rows = [];
    for (let round_ = 1; round_ <= rounds; round_++) {
      const single = await timed(async () => {
        for (const [i, id] of ids.entries()) {
          await json(server.url, `/api/tasks/${id}`, {
            method: 'PATCH',
            body: { title: `single ${round_} ${i}` },
          });
        }
      });
      const batch = await timed(() =>
        json(server.url, '/api/tasks', {
          method: 'PATCH',
          body: { items: ids.map((task_id, i) => ({ task_id, title: `batch ${round_} ${i}` })) },
        }),
      );
      rows.push({
        round: round_,
        single_500_ms: round(single, 0),
        update_tasks_500_ms: round(batch, 0),
        speedup: round(single / batch, 1),
      });
    }
    printTable(
      `update_tasks: ${ITEMS} items in one call vs ${ITEMS} update_task calls (REST, sequential)`,
      rows,
    );
    return { items: ITEMS, rounds: rows };
  } finally {
    await server.stop();
    workspace.remove();
  }
}
