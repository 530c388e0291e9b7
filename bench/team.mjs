// Suite — team: 8 agents, each a real `bindery mcp` process driven over stdio, drain a dependency graph with
// next_task(claim) → work (1–5 ms) → complete_task. Checked from the store afterwards: no task started before
// its dependencies were done, no task executed twice. The full run also kills one agent (kill -9) while it
// holds a claim: another agent must finish that task once its lease ends.
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { BINDERY_VERSION } from '../dist/contract/index.js';
import { RoleRegistry } from '../dist/service/roles.js';
import { createService } from '../dist/service/service.js';
import { openStore } from '../dist/store/index.js';
import { CLI, percentile, printTable, round, startBindery, tempDir } from './lib.mjs';

const AGENTS = 8;
/** The shortest lease there is: the killed agent's task comes back after it. */
const LEASE_S = 30;
/** How far back a task's dependencies reach, and how many it has at most. */
const WINDOW = 40;
const MAX_DEPS = 3;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function teamSuite({ quick }) {
  const rows = [await drain({ tasks: quick ? 200 : 1000, kill: false })];
  if (!quick) rows.push(await drain({ tasks: 1000, kill: true }));
  printTable(
    `${AGENTS} bindery mcp agents draining a dependency graph (next_task claim → work 1–5 ms → complete_task)`,
    rows,
  );
  return rows;
}

/** A graph of `count` tasks, each depending on up to MAX_DEPS of the WINDOW tasks before it; its work in ms. */
function graph(count) {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: count }, (_, i) => {
    const deps = new Set();
    const n = i === 0 ? 0 : Math.floor(random() * (MAX_DEPS + 1));
    for (let k = 0; k < n; k++) deps.add(Math.max(0, i - 1 - Math.floor(random() * WINDOW)));
    return { deps: [...deps], work: 1 + Math.floor(random() * 5) };
  });
}

/** The critical path (the longest chain of work, ms) and the whole work spread over the agents. */
function bounds(nodes) {
  const finish = [];
  for (const [i, node] of nodes.entries())
    finish[i] = node.work + Math.max(0, ...node.deps.map((d) => finish[d]));
  const total = nodes.reduce((sum, node) => sum + node.work, 0);
  return { critical: Math.max(...finish), spread: total / AGENTS };
}

async function drain({ tasks: count, kill }) {
  const ws = tempDir();
  const databaseUrl = process.env.BINDERY_DATABASE_URL;
  const env = databaseUrl ? { BINDERY_DATABASE_URL: databaseUrl } : {};
  const nodes = graph(count);
  const { id: project, ids } = await seed(ws.dir, databaseUrl, nodes);
  const work = new Map(ids.map((id, i) => [id, nodes[i].work]));
  const server = await startBindery(ws.dir, env);
  const agents = [];
  try {
    for (let i = 0; i < AGENTS; i++) agents.push(await agent(server.url, `agent-${i}`));
    let completed = 0;
    let killed = null;
    let polls = 0;
    const claims = [];
    const completes = [];
    const timed = async (times, fn) => {
      const start = performance.now();
      const result = await fn();
      times.push(performance.now() - start);
      return result;
    };
    const started = performance.now();
    await Promise.all(
      agents.map(async (a) => {
        let misses = 0;
        while (completed < count) {
          const answer = await timed(claims, () =>
            call(a.client, 'next_task', {
              project_id: project,
              claim: true,
              role_name: 'implementer',
              lease_s: LEASE_S,
            }),
          );
          // Nothing ready until a running task is completed: poll again, backing off to 100 ms.
          if (!answer.task) {
            polls++;
            await sleep(Math.min(100, 5 * 2 ** misses++));
            continue;
          }
          misses = 0;
          await sleep(work.get(answer.task.id));
          if (kill && !killed && completed >= count / 2) {
            killed = { task: answer.task.id, at: performance.now() };
            process.kill(a.pid, 'SIGKILL');
            return;
          }
          await timed(completes, () => call(a.client, 'complete_task', { task_id: answer.task.id }));
          completed++;
          if (killed?.task === answer.task.id) killed.finished = performance.now();
        }
      }),
    );
    const wall = performance.now() - started;
    await server.stop();
    const check = await verify(ws.dir, databaseUrl, project);
    const bound = bounds(nodes);
    return {
      tasks: count,
      agents: AGENTS,
      'killed agent': kill ? 'yes' : 'no',
      'wall s': round(wall / 1000, 2),
      'critical path s': round(bound.critical / 1000, 3),
      'work / 8 s': round(bound.spread / 1000, 3),
      'tasks/s': round(count / (wall / 1000), 1),
      'next_task p50 ms': p50(claims),
      'complete p50 ms': p50(completes),
      'empty polls': polls,
      'started before deps done': check.early,
      'double executions': check.double,
      'killed task finished after s': killed?.finished ? round((killed.finished - killed.at) / 1000, 1) : '–',
      'its executions': killed ? check.executions.get(killed.task).join(' → ') : '–',
    };
  } finally {
    for (const a of agents) await a.client.close().catch(() => {});
    await server.stop();
    ws.remove();
  }
}

/** The project and its graph, written in-process before the server starts (ids in graph order). */
async function seed(workspace, databaseUrl, nodes) {
  const store = await openStore({ workspace, databaseUrl });
  const api = createService({ store, roles: new RoleRegistry(), version: BINDERY_VERSION, workspace });
  try {
    const { id } = await api.create_project({ name: `team ${Date.now()}` });
    const ids = [];
    for (const [i, node] of nodes.entries()) {
      const depends_on = node.deps.map((d) => ids[d]);
      ids.push((await api.create_task({ title: `step ${i}`, project_id: id, depends_on })).id);
    }
    return { id, ids };
  } finally {
    await store.close();
  }
}

async function agent(url, name) {
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp'],
    env: { ...process.env, BINDERY_URL: url, MCP_AUTO_LAUNCH_BACKEND: 'false', BINDERY_LOG_LEVEL: 'warn' },
    stderr: 'ignore',
  });
  await client.connect(transport);
  return { client, pid: transport.pid };
}

const p50 = (times) =>
  round(
    percentile(
      times.sort((a, b) => a - b),
      50,
    ),
    1,
  );

async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError)
    throw new Error(`${name}: ${JSON.stringify(result.structuredContent ?? result.content)}`);
  return result.structuredContent;
}

/**
 * From the store: executions that started before one of their task's dependencies was completed, tasks not
 * worked exactly once (an expired execution aside), and each task's executions in order.
 */
async function verify(workspace, databaseUrl, project) {
  const store = await openStore({ workspace, databaseUrl });
  const api = createService({ store, roles: new RoleRegistry(), version: BINDERY_VERSION, workspace });
  try {
    const tasks = new Map();
    for (let cursor; ; ) {
      const page = await api.list_tasks({ project_id: project, detail: 'full', limit: 100, cursor });
      for (const task of page.items) tasks.set(task.id, task);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    const executions = new Map();
    let early = 0;
    for (const task of tasks.values()) {
      const runs = (await api.list_executions({ task_id: task.id, limit: 100 })).items.reverse();
      executions.set(
        task.id,
        runs.map((run) => run.status),
      );
      const depsDone = Math.max(0, ...task.depends_on.map((d) => Date.parse(tasks.get(d).completed_at)));
      early += runs.filter((run) => Date.parse(run.started_at) < depsDone).length;
    }
    // Worked twice: more than one execution that did not end by its lease (or never completed at all).
    const double = [...executions.values()].filter(
      (runs) => runs.filter((status) => status !== 'expired').length !== 1 || runs.at(-1) !== 'completed',
    ).length;
    return { early, double, executions };
  } finally {
    await store.close();
  }
}
