import { describe, expect, it } from 'vitest';
import { BINDERY_VERSION, type Task } from '../../src/contract/index.js';
import { RoleRegistry } from '../../src/service/roles.js';
import { createService } from '../../src/service/service.js';
import { STORES } from './stores.js';

const CLOSED = ['done', 'cancelled'];

/**
 * next_task's ready_count and waiting_count come from trigger-kept counts by project, role and tag: after
 * every kind of write that moves a task in or out of them, they must equal the rule computed from the tasks.
 */
describe.each(STORES)('ready and waiting counts on the $kind store', ({ open }) => {
  it('follow creates, status changes, moves, tag and role edits, dependencies, claims and deletes', async () => {
    const store = await open();
    const api = createService({ store, roles: new RoleRegistry(), version: BINDERY_VERSION, workspace: '.' });
    const [a, b] = [
      (await api.create_project({ name: 'counts a' })).id,
      (await api.create_project({ name: 'counts b' })).id,
    ];
    const make = async (fields: Record<string, unknown>) =>
      (await api.create_task({ title: 'task', ...fields })).id;

    const base = await make({ project_id: a, tags: ['api', 'docs'] });
    const dependent = await make({ project_id: a, tags: ['api'], role: 'tester', depends_on: [base] });
    const parent = await make({
      project_id: b,
      tags: ['docs'],
      subtasks: [
        { title: 'child 1', tags: ['ux'] },
        { title: 'child 2', role: 'implementer' },
      ],
    });
    const loose = await make({ tags: ['docs', 'docs'] });
    const other = await make({ project_id: b, role: 'implementer' });
    await check();

    const [child1, child2] = (await api.get_task({ task_id: parent })).children;
    await api.update_task({ task_id: loose, tags: ['ux'], role: 'reviewer', project_id: a });
    await api.update_task({ task_id: other, project_id: a, parent_id: dependent });
    await api.complete_task({ task_id: child1! });
    await api.update_task({ task_id: child2!, status: 'blocked' });
    await check();

    await api.execute_task({ task_id: base, role_name: 'implementer' });
    await api.update_task({ task_id: base, status: 'todo' }); // todo, yet running: not ready
    await check();
    await api.complete_task({ task_id: base });
    await api.update_task({ task_id: child2!, status: 'cancelled' });
    await api.next_task({ claim: true, role_name: 'tester', tag: 'ux' });
    await check();

    await api.update_task({ task_id: dependent, depends_on: [loose, parent] });
    await api.delete_task({ task_id: parent });
    await api.delete_project({ project_id: a });
    await check();

    /** Every filter combination's counts, against the rule applied to every task. */
    async function check(): Promise<void> {
      const all: Task[] = [];
      for (const { id } of (await api.list_tasks({ limit: 500 })).items) {
        all.push(await api.get_task({ task_id: id }));
      }
      const running = new Set(
        (await api.list_executions({ status: 'running', limit: 100 })).items.map((e) => e.task_id),
      );
      const byId = new Map(all.map((t) => [t.id, t]));
      const open = (id: string) => !CLOSED.includes(byId.get(id)!.status);
      const waits = (t: Task) => t.depends_on.some(open) || t.children.some(open);
      const todo = all.filter((t) => t.status === 'todo');
      const ready = todo.filter((t) => !waits(t) && !running.has(t.id));
      const waiting = todo.filter(waits);
      const projects = [undefined, a, b].filter(
        (p) => p === undefined || all.some((t) => t.project_id === p),
      );
      for (const project_id of projects) {
        for (const role of [undefined, 'tester', 'implementer', 'reviewer']) {
          for (const tag of [undefined, 'api', 'docs', 'ux', 'none']) {
            const keep = (t: Task) =>
              (project_id === undefined || t.project_id === project_id) &&
              (role === undefined || t.role === role || t.role === null) &&
              (tag === undefined || t.tags.includes(tag));
            const answer = await api.next_task({ project_id, role, tag });
            const label = JSON.stringify({ project_id, role, tag });
            const expected = ready.filter(keep).length;
            expect(answer.ready_count + (answer.task ? 1 : 0), label).toBe(expected);
            if (!answer.task) expect(answer.waiting_count, label).toBe(waiting.filter(keep).length);
          }
        }
      }
    }
  });
});
