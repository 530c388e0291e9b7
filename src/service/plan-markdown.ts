/**
 * Plans as Markdown (docs/plans.md): headings and checklist items ↔ a task tree.
 *
 * A line parser, not a CommonMark one (micromark/mdast): the plan syntax is line-oriented — one task per
 * line, its marks on that line, its description the lines indented under it — and every error must name
 * a line. A CommonMark tree would re-read the same text by other rules: a description line right under an
 * item is a lazy continuation of the item's paragraph, text indented four more spaces becomes a code
 * block, and inline markup is parsed away, so descriptions would not come back as written and export →
 * import would not reproduce a task. The rules below are few and exact, and `renderPlan` writes only what
 * `parsePlan` reads back the same.
 */
import {
  BinderyError,
  canonicalPriority,
  canonicalStatus,
  type FieldIssue,
  MAX_PLAN_ITEMS,
  MAX_SUBTASK_DEPTH,
  MAX_TEXT,
  MAX_TITLE,
  type Task,
  type TaskPriority,
  TaskPriorityInput,
  type TaskStatus,
  TaskStatusInput,
  TimestampInput,
} from '../contract/index.js';
import { endOfDay } from '../contract/lenient.js';

/** One task of a plan as read: `item` numbers from 1 in reading order; `after` holds item numbers. */
export interface PlanItem {
  item: number;
  line: number;
  depth: number;
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  tags: string[];
  role: string | null;
  due_at: string | null;
  after: number[];
  subtasks: PlanItem[];
}

/** How many problems one refusal lists; the first ones are enough to fix the plan. */
const MAX_ISSUES = 20;

const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*))?$/;
const CHECKLIST = /^([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX])\](?:[ \t]+(.*))?$/;
const LINE_START_MARK = /^(?:\\|#{1,6}(?:[ \t]|$)|(?:[-*+]|\d{1,9}[.)])[ \t]+\[[ xX]\])/;
const ROLE = /^@([A-Za-z0-9][A-Za-z0-9_.-]*)$/;
const TAG = /^#(\S+)$/;
const PRIORITY = /^!(\w+)$/;
const TOKEN_WORD = /^(?:@[A-Za-z0-9]|#\S|!\w|due:|after:|status:|\\)/;
const WORDS = /(?<!\S)after:"[^"]*"|\S+/g;

interface Draft extends Omit<PlanItem, 'after' | 'description' | 'subtasks'> {
  refs: { line: number; ref: number | string }[];
  text: string[];
  subtasks: Draft[];
}

class Issues {
  readonly list: FieldIssue[] = [];
  add(line: number, reason: string): void {
    if (this.list.length < MAX_ISSUES)
      this.list.push({ field: 'markdown', reason: `line ${line}: ${reason}` });
  }
  throwIfAny(): void {
    if (this.list.length) throw BinderyError.validation(this.list);
  }
}

/** Leading tabs count as four columns. */
function expandIndent(line: string): string {
  const ws = /^[ \t]*/.exec(line)![0];
  return ws.includes('\t') ? ws.replaceAll('\t', '    ') + line.slice(ws.length) : line;
}

const indentOf = (line: string) => /^ */.exec(line)![0].length;

/**
 * Reads a plan into its top-level tasks with their subtasks. Throws one validation error naming the line of
 * each problem (unknown role, bad mark, unresolvable or cyclic `after:`, too deep, too many tasks).
 */
export function parsePlan(markdown: string, knownRoles: ReadonlySet<string>): PlanItem[] {
  const issues = new Issues();
  const drafts: Draft[] = [];
  const roots: Draft[] = [];
  const headings: { level: number; item: Draft }[] = [];
  let open: { indent: number; item: Draft }[] = [];
  let owner: Draft | null = null;

  const add = (line: number, rest: string, parent: Draft | null, done: boolean): Draft => {
    const item = readItemLine(line, rest, done, knownRoles, issues);
    const draft: Draft = { ...item, item: drafts.length + 1, depth: parent ? parent.depth + 1 : 0 };
    if (draft.depth > MAX_SUBTASK_DEPTH) {
      issues.add(
        line,
        `nested ${draft.depth} levels deep; at most ${MAX_SUBTASK_DEPTH} below a top-level task`,
      );
    }
    if (draft.item === MAX_PLAN_ITEMS + 1) issues.add(line, `a plan holds at most ${MAX_PLAN_ITEMS} tasks`);
    drafts.push(draft);
    (parent ? parent.subtasks : roots).push(draft);
    return draft;
  };

  markdown.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const text = expandIndent(raw);
    if (text.trim() === '') {
      owner?.text.push('');
      return;
    }
    const heading = HEADING.exec(text);
    if (heading) {
      const level = heading[1]!.length;
      while (headings.length && headings.at(-1)!.level >= level) headings.pop();
      const item = add(line, heading[2] ?? '', headings.at(-1)?.item ?? null, false);
      headings.push({ level, item });
      open = [];
      owner = item;
      return;
    }
    const indent = indentOf(text);
    while (open.length && open.at(-1)!.indent >= indent) open.pop();
    const checklist = CHECKLIST.exec(text);
    if (checklist) {
      const parent = open.at(-1)?.item ?? headings.at(-1)?.item ?? null;
      const item = add(line, checklist[3] ?? '', parent, checklist[2] !== ' ');
      open.push({ indent, item });
      owner = item;
      return;
    }
    // Text belongs to the innermost item it is indented under, else to the heading above; before any, ignored.
    owner = open.at(-1)?.item ?? headings.at(-1)?.item ?? null;
    owner?.text.push(text);
  });

  const items = drafts.map((draft) => finish(draft, drafts, issues));
  for (const [i, draft] of drafts.entries())
    items[i]!.subtasks = draft.subtasks.map((sub) => items[sub.item - 1]!);
  refuseCycles(items, issues);
  issues.throwIfAny();
  return roots.map((root) => items[root.item - 1]!);
}

/** The marks and title of an item's line. */
function readItemLine(
  line: number,
  rest: string,
  done: boolean,
  knownRoles: ReadonlySet<string>,
  issues: Issues,
): Omit<Draft, 'item' | 'depth'> {
  const words: string[] = [];
  const item: Omit<Draft, 'item' | 'depth'> = {
    line,
    title: '',
    status: done ? 'done' : 'todo',
    priority: 'normal',
    tags: [],
    role: null,
    due_at: null,
    refs: [],
    text: [],
    subtasks: [],
  };
  for (const word of rest.match(WORDS) ?? []) {
    const role = ROLE.exec(word)?.[1];
    const tag = TAG.exec(word)?.[1];
    const priorityWord = PRIORITY.exec(word)?.[1];
    if (word.startsWith('\\')) words.push(word.slice(1));
    else if (role) {
      if (!knownRoles.has(role)) {
        issues.add(line, `unknown role "@${role}"; known roles: ${[...knownRoles].join(', ')}`);
      }
      item.role = role;
    } else if (tag) {
      if (tag.length > 100) issues.add(line, `tag "${tag.slice(0, 20)}…" is longer than 100 characters`);
      if (!item.tags.includes(tag)) item.tags.push(tag);
    } else if (priorityWord) {
      const value = TaskPriorityInput.safeParse(priorityWord.toLowerCase());
      if (value.success) item.priority = canonicalPriority(value.data);
      else issues.add(line, `"${word}" is not a priority (!urgent, !high, !normal, !low)`);
    } else if (word.startsWith('due:')) {
      item.due_at = dueDate(word.slice(4));
      if (item.due_at === null) {
        issues.add(line, `"${word}" is not a date (due:YYYY-MM-DD or an RFC 3339 date-time)`);
      }
    } else if (word.startsWith('after:')) {
      const ref = afterRef(word.slice(6));
      if (ref === undefined)
        issues.add(line, `"${word}" names no task (after:<item number> or after:"Task title")`);
      else item.refs.push({ line, ref });
    } else if (word.startsWith('status:')) {
      const value = TaskStatusInput.safeParse(word.slice(7).toLowerCase());
      if (value.success) item.status = canonicalStatus(value.data);
      else issues.add(line, `"${word}" is not a status (todo, doing, review, done, blocked, cancelled)`);
    } else words.push(word);
  }
  item.title = words.join(' ');
  const { title, tags } = item;
  if (!title) issues.add(line, 'the task has no title');
  if (title.length > MAX_TITLE) issues.add(line, `the title is longer than ${MAX_TITLE} characters`);
  if (tags.length > 50) issues.add(line, 'more than 50 tags');
  return item;
}

/** `after:` text → an item number or a title; undefined when it names nothing. */
function afterRef(ref: string): number | string | undefined {
  if (/^\d+$/.test(ref)) return Number(ref);
  if (/^".+"$/.test(ref)) return ref.slice(1, -1);
  return ref && !ref.startsWith('"') ? ref : undefined;
}

function dueDate(value: string): string | null {
  const day = endOfDay(value);
  if (day) return day;
  return TimestampInput.safeParse(value).success ? new Date(value).toISOString() : null;
}

/** The task from its draft: the description from the collected lines, `after:` resolved to item numbers. */
function finish(draft: Draft, drafts: readonly Draft[], issues: Issues): PlanItem {
  const { refs, text, subtasks: _subtasks, ...fields } = draft;
  const item: PlanItem = { ...fields, description: description(text), after: [], subtasks: [] };
  if (item.description.length > MAX_TEXT) {
    issues.add(draft.line, `the description is longer than ${MAX_TEXT} characters`);
  }
  for (const { ref } of refs) {
    const target = resolve(ref, draft, drafts, issues);
    if (target !== undefined && !item.after.includes(target)) item.after.push(target);
  }
  return item;
}

function resolve(ref: number | string, draft: Draft, drafts: readonly Draft[], issues: Issues) {
  if (typeof ref === 'number') {
    if (ref < 1 || ref > drafts.length) {
      issues.add(draft.line, `after:${ref} names no item; the plan has ${drafts.length}`);
    } else if (ref === draft.item) issues.add(draft.line, `after:${ref} is the task itself`);
    else return ref;
    return undefined;
  }
  const matches = drafts.filter((d) => d.title === ref);
  if (matches.length === 1 && matches[0] !== draft) return matches[0]!.item;
  if (matches.length === 0) issues.add(draft.line, `after:"${ref}": no task of the plan has that title`);
  else if (matches.length > 1) {
    issues.add(
      draft.line,
      `after:"${ref}": ${matches.length} tasks have that title; use after:<item number>`,
    );
  } else issues.add(draft.line, `after:"${ref}" is the task itself`);
  return undefined;
}

/** Indented lines, dedented to their least indentation, one escaping backslash removed, blank ends dropped. */
function description(lines: readonly string[]): string {
  const filled = lines.filter((l) => l.trim() !== '');
  if (filled.length === 0) return '';
  const cut = Math.min(...filled.map(indentOf));
  const body = lines.map((l) => {
    const text = l.slice(cut);
    const ws = /^ */.exec(text)![0];
    return text.startsWith('\\', ws.length) ? ws + text.slice(ws.length + 1) : text;
  });
  while (body.at(-1) === '') body.pop();
  while (body[0] === '') body.shift();
  return body.join('\n');
}

/** A task waiting, through `after:`, on itself: refused at the line of one task of the cycle. */
function refuseCycles(items: readonly PlanItem[], issues: Issues): void {
  const state = new Map<number, 'visiting' | 'done'>();
  const visit = (start: PlanItem) => {
    // Iterative depth-first walk: a chain of 5,000 `after:` must not exhaust the stack.
    const stack: { item: PlanItem; next: number }[] = [{ item: start, next: 0 }];
    state.set(start.item, 'visiting');
    while (stack.length) {
      const top = stack.at(-1)!;
      const dep = top.item.after[top.next++];
      if (dep === undefined) {
        state.set(top.item.item, 'done');
        stack.pop();
        continue;
      }
      const seen = state.get(dep);
      if (seen === 'visiting') {
        issues.add(
          top.item.line,
          `after:${dep} makes a cycle: task ${dep} waits, directly or not, on this one`,
        );
        return;
      }
      if (seen === undefined) {
        state.set(dep, 'visiting');
        stack.push({ item: items[dep - 1]!, next: 0 });
      }
    }
  };
  for (const item of items) if (!state.has(item.item)) visit(item);
}

/**
 * Writes a task tree as a plan that parsePlan reads back to the same tree: every task a checklist item,
 * subtasks two spaces further in, the description under its item. `after:` names tasks inside the tree
 * only (by title when that is unique, else by item number); a dependency outside it is left out.
 */
export function renderPlan(roots: readonly Task[], byId: ReadonlyMap<string, Task>): string {
  const order: Task[] = [];
  const walk = (task: Task) => {
    order.push(task);
    for (const child of task.children) {
      const sub = byId.get(child);
      if (sub) walk(sub);
    }
  };
  roots.forEach(walk);
  const number = new Map(order.map((task, i) => [task.id, i + 1]));
  const titles = new Map<string, number>();
  for (const task of order) titles.set(task.title, (titles.get(task.title) ?? 0) + 1);

  const out: string[] = [];
  const write = (task: Task, depth: number) => {
    const pad = '  '.repeat(depth);
    const marks = [
      ...(task.role ? [`@${task.role}`] : []),
      ...task.tags.map((tag) => `#${tag}`),
      ...(task.priority !== 'normal' ? [`!${task.priority}`] : []),
      ...(task.due_at
        ? [`due:${task.due_at.endsWith('T23:59:59.999Z') ? task.due_at.slice(0, 10) : task.due_at}`]
        : []),
      ...task.depends_on
        .flatMap((dep) => number.get(dep) ?? [])
        .sort((a, b) => a - b)
        .map((n) => {
          const { title } = order[n - 1]!;
          return titles.get(title) === 1 && !title.includes('"') ? `after:"${title}"` : `after:${n}`;
        }),
      ...(task.status !== 'todo' && task.status !== 'done' ? [`status:${task.status}`] : []),
    ];
    const title = task.title
      .split(/\s+/)
      .filter(Boolean)
      .map((word) => (TOKEN_WORD.test(word) ? `\\${word}` : word))
      .join(' ');
    out.push(`${pad}- [${task.status === 'done' ? 'x' : ' '}] ${[title, ...marks].join(' ')}`);
    if (task.description) {
      for (const line of task.description.split('\n')) {
        if (line.trim() === '') out.push('');
        else {
          const ws = /^[ \t]*/.exec(line)![0];
          const rest = line.slice(ws.length);
          out.push(`${pad}  ${ws}${LINE_START_MARK.test(rest) ? '\\' : ''}${rest}`);
        }
      }
    }
    for (const child of task.children) {
      const sub = byId.get(child);
      if (sub) write(sub, depth + 1);
    }
  };
  for (const root of roots) write(root, 0);
  return out.length ? `${out.join('\n')}\n` : '';
}
