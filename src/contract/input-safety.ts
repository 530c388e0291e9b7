/**
 * Structure checks (docs/design.md, "Input safety") on an already-parsed JSON value, shared by the HTTP
 * server and the MCP layer. Policy-free: every refusal is a `BinderyError` whose details name the exact
 * field. The walks are iterative and stop at the first limit, so no input nesting can exhaust the stack.
 */
import { MAX_DOCUMENT_BYTES } from './document.js';
import { BinderyError, type FieldIssue } from './errors.js';
import { MAX_SUBTASK_DEPTH } from './task.js';

/** Nested object/array levels allowed in one task's (or a non-task input's) own structure. */
export const MAX_INPUT_DEPTH = 10;
export const MAX_OBJECT_KEYS = 100;
export const MAX_ARRAY_ITEMS = 1_000;
/** Default per-string limit; fields such as note or document content are given more by the caller. */
export const MAX_STRING_CHARS = 10_000;
/** Limit for a parameter sent as a JSON string; document inputs get MAX_DOCUMENT_JSON_TEXT_CHARS. */
export const MAX_JSON_TEXT_CHARS = 100_000;
export const MAX_DOCUMENT_JSON_TEXT_CHARS = MAX_DOCUMENT_BYTES;

// C0 controls except tab (09), LF (0A) and CR (0D).
const CONTROL_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F]/g;

export function removeControlChars(text: string): string {
  return text.replace(CONTROL_CHARS, '');
}

/** Keys that could reach or shadow a prototype once the value is merged or spread somewhere. */
export function isDangerousKey(key: string): boolean {
  return key.startsWith('__') || key === 'constructor' || key === 'prototype';
}

function joinPath(base: string, key: string | number): string {
  return base === '' ? String(key) : `${base}.${key}`;
}

function refuse(field: string, reason: string): BinderyError {
  return BinderyError.validation([{ field, reason }]);
}

export interface JsonTextOptions {
  /** The parameter the text came in, named in error details (e.g. `task_input`). */
  field?: string;
  /** What the text must hold: an object (the default) or a list (`update_tasks`' `items`). */
  holds?: 'object' | 'array';
}

/**
 * Parse a parameter sent as a JSON string. The result is a JSON object (or list) whose objects all have a
 * null prototype, so a `__proto__` key stays an ordinary own property until checkInputStructure refuses it.
 */
export function parseJsonText(
  text: string,
  maxChars: number,
  options?: JsonTextOptions & { holds?: 'object' },
): Record<string, unknown>;
export function parseJsonText(
  text: string,
  maxChars: number,
  options: JsonTextOptions,
): Record<string, unknown> | unknown[];
export function parseJsonText(
  text: string,
  maxChars: number,
  options: JsonTextOptions = {},
): Record<string, unknown> | unknown[] {
  const field = options.field ?? '';
  const holds = options.holds ?? 'object';
  if (text.length > maxChars) {
    throw refuse(field, `JSON text is ${text.length} characters; at most ${maxChars} are allowed`);
  }
  let parsed: unknown;
  try {
    // No reviver: V8 applies revivers recursively, which overflows the stack on deep nesting.
    parsed = JSON.parse(text);
  } catch (error) {
    throw refuse(field, `not valid JSON: ${describeJsonError(text, error)}`);
  }
  const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed;
  if (kind !== (holds === 'array' ? 'an array' : 'object')) {
    throw refuse(field, `must be a JSON ${holds === 'array' ? 'list' : 'object'}, got ${kind}`);
  }
  return withNullPrototypes(parsed as Record<string, unknown> | unknown[]);
}

/** V8's message, with line and column added when it gives a position (multi-line JSON is common). */
function describeJsonError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message);
  if (!position) return message;
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}

/** Copy of a JSON.parse result in which every object has a null prototype. */
function withNullPrototypes<T extends Record<string, unknown> | unknown[]>(root: T): T {
  const out = (Array.isArray(root) ? [] : Object.create(null)) as T;
  const pending: Array<[source: object, target: Record<string, unknown> | unknown[]]> = [[root, out]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [source, target] = item;
    for (const [key, value] of Object.entries(source)) {
      let copy = value;
      if (typeof value === 'object' && value !== null) {
        copy = Array.isArray(value) ? [] : Object.create(null);
        pending.push([value, copy as Record<string, unknown> | unknown[]]);
      }
      if (Array.isArray(target)) target.push(copy);
      else target[key] = copy; // null-prototype target: even `__proto__` is stored as an own property
    }
  }
  return out;
}

export interface StructureOptions {
  /** Path prefix for error details, e.g. the MCP parameter name `task_input`. */
  path?: string;
  /** Field name → max chars, for string fields allowed more than MAX_STRING_CHARS (note/document content). */
  stringLimits?: Readonly<Record<string, number>>;
}

interface Pending {
  source: object;
  target: Record<string, unknown> | unknown[];
  path: string;
  /** Object/array level of `source`, counted from the enclosing task object (or the input root). */
  depth: number;
  /** Subtask level of the enclosing task; the root task and non-task inputs are level 0. */
  taskLevel: number;
  /** Nearest object key, whose string limit applies to strings in `source` when it is an array. */
  field: string;
  /** `source` is the array under a `subtasks` key: its objects are task objects one level down. */
  holdsTasks: boolean;
}

/**
 * Check the structure limits (docs/design.md, "Input safety") and return a cleaned copy (control characters
 * removed). A subtask tree is measured in task levels: each task object inside a `subtasks` array is one
 * level below its parent and starts its own depth count, so 10 levels of subtasks, each with tags and labels,
 * fit.
 */
export function checkInputStructure(value: unknown, options: StructureOptions = {}): unknown {
  const limits = options.stringLimits ?? {};
  const stringLimit = (field: string): number =>
    Object.hasOwn(limits, field) ? (limits[field] as number) : MAX_STRING_CHARS;
  const pending: Pending[] = [];

  // Checks one value and returns its copy; containers come back empty and are queued to be filled.
  const admit = (
    child: unknown,
    path: string,
    field: string,
    parent: Pending | undefined,
    key: string | number,
  ) => {
    if (typeof child === 'string') {
      const text = removeControlChars(child);
      const max = stringLimit(field);
      if (text.length > max) throw refuse(path, `is ${text.length} characters; at most ${max} are allowed`);
      return text;
    }
    if (child === null || child === undefined || typeof child === 'number' || typeof child === 'boolean') {
      return child;
    }
    if (typeof child !== 'object' || !isPlainContainer(child)) throw refuse(path, 'is not a JSON value');
    const isArray = Array.isArray(child);
    let depth = (parent?.depth ?? 0) + 1;
    let taskLevel = parent?.taskLevel ?? 0;
    if (parent?.holdsTasks && !isArray) {
      taskLevel += 1;
      depth = 1;
      checkSubtaskLevel(path, taskLevel);
    } else if (depth > MAX_INPUT_DEPTH) {
      throw refuse(path, `is nested ${depth} levels deep; at most ${MAX_INPUT_DEPTH} are allowed`);
    }
    const target = isArray ? [] : {};
    const holdsTasks = isArray && key === 'subtasks'; // array items have numeric keys
    pending.push({ source: child, target, path, depth, taskLevel, field, holdsTasks });
    return target;
  };

  const root = admit(value, options.path ?? '', '', undefined, '');
  for (let item = pending.pop(); item; item = pending.pop()) {
    const mark = pending.length;
    if (Array.isArray(item.source)) {
      const items = item.source as unknown[];
      if (items.length > MAX_ARRAY_ITEMS) {
        throw refuse(item.path, `has ${items.length} items; at most ${MAX_ARRAY_ITEMS} are allowed`);
      }
      const target = item.target as unknown[];
      items.forEach((child, index) => {
        target.push(admit(child, joinPath(item.path, index), item.field, item, index));
      });
    } else {
      const keys = Object.keys(item.source);
      if (keys.length > MAX_OBJECT_KEYS) {
        throw refuse(item.path, `has ${keys.length} fields; at most ${MAX_OBJECT_KEYS} are allowed`);
      }
      const source = item.source as Record<string, unknown>;
      const target = item.target as Record<string, unknown>;
      for (const rawKey of keys) {
        // Checked after cleaning: control characters must not smuggle `__proto__` past the check.
        const key = removeControlChars(rawKey);
        const path = joinPath(item.path, key);
        if (key.length > MAX_STRING_CHARS)
          throw refuse(path, `field name is longer than ${MAX_STRING_CHARS} characters`);
        if (isDangerousKey(key)) {
          throw refuse(
            path,
            `field name "${key}" is not allowed (__proto__, constructor, prototype, names starting with __)`,
          );
        }
        if (Object.hasOwn(target, key))
          throw refuse(path, 'field appears twice once control characters are removed');
        target[key] = admit(source[rawKey], path, key, item, key);
      }
    }
    // Children are queued in reverse so the first problem in document order is the one reported.
    pending.push(...pending.splice(mark).reverse());
  }
  return root;
}

function isPlainContainer(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The one subtask depth rule (root task = level 0): used on raw input before parsing, and by the service on
 * the parsed tree, so a caller that skips the structure check meets the same refusal.
 */
export function checkSubtaskLevel(field: string, level: number): void {
  if (level <= MAX_SUBTASK_DEPTH) return;
  const issue: FieldIssue = {
    field,
    reason: `subtask at level ${level}; at most ${MAX_SUBTASK_DEPTH} levels below the root task are allowed`,
  };
  throw new BinderyError(
    'task_depth_exceeded',
    `Subtasks nest too deep at ${field}: at most ${MAX_SUBTASK_DEPTH} levels below the root task are allowed.`,
    { details: [issue] },
  );
}
