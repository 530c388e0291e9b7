// Realistic synthetic data for the scaling and memory suites, written straight through the store.
import { randomUUID } from 'node:crypto';

const VERBS = [
  'Implement',
  'Fix',
  'Refactor',
  'Document',
  'Test',
  'Review',
  'Design',
  'Optimise',
  'Migrate',
  'Remove',
];
const NOUNS = [
  'login flow',
  'search index',
  'billing export',
  'cache layer',
  'retry policy',
  'dashboard widget',
  'user settings',
  'API client',
  'database schema',
  'upload handler',
  'rate limiter',
  'email templates',
  'audit log',
  'feature flag',
];
const WORDS = (
  'the a service request handler value error timeout queue worker config release deploy metric alert ' +
  'customer report data model view page button field record batch job schedule token session network storage'
).split(' ');
const TAGS = ['backend', 'frontend', 'bug', 'feature', 'infra', 'docs', 'security', 'perf', 'ux', 'api'];
const STATUSES = ['todo', 'todo', 'todo', 'doing', 'review', 'done', 'done', 'done', 'blocked', 'cancelled'];
const PRIORITIES = ['low', 'normal', 'normal', 'normal', 'high', 'urgent'];
/**
 * The first RARE_COUNT tasks carry this word, so a rare-term search has the same 10 matches at every size.
 * Every description has COMMON_TERM, so that search matches every task.
 */
export const RARE_TERM = 'zephyrine';
export const COMMON_TERM = 'service';
const RARE_COUNT = 10;
const DAY = 24 * 3600 * 1000;

function pick(list, n) {
  return list[n % list.length];
}

/** A deterministic pseudo-random stream (xorshift) so runs load the same data. */
function rng(seed) {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

export async function createProjects(store, count) {
  const now = new Date().toISOString();
  const ids = [];
  for (let i = 0; i < count; i++) {
    const project = await store.insertProject({
      id: randomUUID(),
      name: `Project ${i} ${randomUUID().slice(0, 8)}`,
      description: `Work stream ${i}`,
      tags: [pick(TAGS, i)],
      created_at: now,
      updated_at: now,
      version: 1,
      updated_by: 'bench',
    });
    ids.push(project.id);
  }
  return ids;
}

/**
 * Inserts `count` tasks in batches (one transaction each). About one in five is a subtask of a task of
 * the same batch; created/updated times spread over the past year, due dates over ±60 days. With
 * `dependencyShare`, that share of tasks also depends on an earlier task of its batch.
 */
export async function loadTasks(store, { count, projectIds, offset = 0, batch = 5000, dependencyShare = 0 }) {
  const random = rng(offset + 7);
  const now = Date.now();
  for (let start = 0; start < count; start += batch) {
    const rows = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const n = offset + i;
      const status = pick(STATUSES, Math.floor(random() * 10));
      const created = new Date(now - Math.floor(random() * 365 * DAY)).toISOString();
      const parent = rows.length > 0 && random() < 0.2 ? rows[Math.floor(random() * rows.length)] : null;
      const words = Array.from({ length: 18 }, () => pick(WORDS, Math.floor(random() * WORDS.length)));
      words.push(COMMON_TERM);
      if (n < RARE_COUNT) words.push(RARE_TERM);
      rows.push({
        id: randomUUID(),
        title: `${pick(VERBS, Math.floor(random() * 10))} ${pick(NOUNS, Math.floor(random() * 14))} #${n}`,
        description: words.join(' '),
        status,
        priority: pick(PRIORITIES, Math.floor(random() * 6)),
        tags: [pick(TAGS, Math.floor(random() * 10)), pick(TAGS, Math.floor(random() * 10))].filter(
          (t, j, all) => all.indexOf(t) === j,
        ),
        labels: {},
        parent_id: parent ? parent.id : null,
        project_id: parent ? parent.project_id : pick(projectIds, Math.floor(random() * projectIds.length)),
        role: null,
        depends_on:
          dependencyShare > 0 && rows.length > 0 && random() < dependencyShare
            ? [rows[Math.floor(random() * rows.length)].id]
            : [],
        due_at: random() < 0.4 ? new Date(now + (random() - 0.5) * 120 * DAY).toISOString() : null,
        created_at: created,
        updated_at: created,
        completed_at: status === 'done' ? created : null,
        completion_notes: null,
        version: 1,
        updated_by: 'bench',
      });
    }
    await store.insertTasks(rows);
  }
}
