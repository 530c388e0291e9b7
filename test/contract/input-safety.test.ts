import { describe, expect, it } from 'vitest';
import { BinderyError } from '../../src/contract/errors.js';
import {
  checkInputStructure,
  MAX_ARRAY_ITEMS,
  MAX_INPUT_DEPTH,
  MAX_OBJECT_KEYS,
  MAX_STRING_CHARS,
  parseJsonText,
} from '../../src/contract/input-safety.js';
import { MAX_SUBTASK_DEPTH } from '../../src/contract/task.js';

/** Run `fn`, expecting a BinderyError, and return it. */
function failure(fn: () => unknown): BinderyError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BinderyError);
    return error as BinderyError;
  }
  throw new Error('expected a BinderyError');
}

/** A root task with `levels` levels of subtasks below it; every task carries tags and nested labels. */
function taskTree(levels: number): Record<string, unknown> {
  let task: Record<string, unknown> = { title: `level ${levels}`, tags: ['t'], labels: { a: { b: 1 } } };
  for (let level = levels - 1; level >= 0; level--) {
    task = { title: `level ${level}`, tags: ['t'], labels: { a: { b: 1 } }, subtasks: [task] };
  }
  return task;
}

function subtaskPath(prefix: string, levels: number): string {
  return [prefix, ...Array.from({ length: levels }, () => 'subtasks.0')].join('.');
}

/** `levels` objects nested under key `a`. */
function nestedObjects(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

describe('limits', () => {
  it('exports the documented limit values', () => {
    expect([MAX_INPUT_DEPTH, MAX_SUBTASK_DEPTH, MAX_OBJECT_KEYS, MAX_ARRAY_ITEMS, MAX_STRING_CHARS]).toEqual([
      10, 10, 100, 1000, 10_000,
    ]);
  });
});

describe('checkInputStructure: subtask trees', () => {
  it('accepts a root with 10 levels of subtasks (11 task objects), each with tags and labels', () => {
    const tree = taskTree(10);
    expect(checkInputStructure(tree, { path: 'task_input' })).toEqual(tree);
    expect(checkInputStructure({ task_input: tree })).toEqual({ task_input: tree });
  });

  it('refuses 11 levels of subtasks with task_depth_exceeded naming the task', () => {
    const error = failure(() => checkInputStructure(taskTree(11), { path: 'task_input' }));
    expect(error.code).toBe('task_depth_exceeded');
    expect(error.httpStatus).toBe(400);
    expect(error.message).toContain('10 levels below the root');
    expect(error.details).toEqual([
      { field: subtaskPath('task_input', 11), reason: expect.stringContaining('11') },
    ]);
  });

  it('accepts an empty subtasks array at level 10', () => {
    const tree = taskTree(10);
    let leaf = tree;
    for (let i = 0; i < 10; i++) leaf = (leaf.subtasks as Record<string, unknown>[])[0]!;
    leaf.subtasks = [];
    expect(() => checkInputStructure(tree)).not.toThrow();
  });

  it("still limits the depth of each task's own fields", () => {
    const ok = { title: 'root', subtasks: [{ title: 'child', labels: nestedObjects(9) }] };
    expect(() => checkInputStructure(ok)).not.toThrow();
    const tooDeep = { title: 'root', subtasks: [{ title: 'child', labels: nestedObjects(10) }] };
    const error = failure(() => checkInputStructure(tooDeep));
    expect(error.code).toBe('validation_error');
    expect(error.details).toEqual([
      { field: `subtasks.0.labels${'.a'.repeat(9)}`, reason: expect.stringContaining('at most 10') },
    ]);
  });
});

describe('checkInputStructure: other limits', () => {
  it('allows 10 nested objects and refuses 11, naming the path', () => {
    expect(() => checkInputStructure(nestedObjects(10))).not.toThrow();
    const error = failure(() => checkInputStructure(nestedObjects(11), { path: 'search_input' }));
    expect(error.code).toBe('validation_error');
    expect(error.details).toEqual([{ field: `search_input${'.a'.repeat(10)}`, reason: expect.any(String) }]);
  });

  it('counts arrays as levels', () => {
    const nest = (levels: number) => JSON.parse('['.repeat(levels) + ']'.repeat(levels));
    expect(() => checkInputStructure(nest(10))).not.toThrow();
    expect(failure(() => checkInputStructure(nest(11))).details).toEqual([
      { field: Array(10).fill('0').join('.'), reason: expect.any(String) },
    ]);
  });

  it('stops at the limit on 100,000 levels of nesting instead of overflowing the stack', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
    expect(failure(() => checkInputStructure(deep)).code).toBe('validation_error');
    const deepTasks = JSON.parse(`${'{"subtasks":['.repeat(100_000)}${']}'.repeat(100_000)}`);
    expect(failure(() => checkInputStructure(deepTasks)).code).toBe('task_depth_exceeded');
  });

  it('allows 100 keys per object and refuses 101', () => {
    const object = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(() => checkInputStructure({ labels: object(100) })).not.toThrow();
    expect(failure(() => checkInputStructure({ labels: object(101) })).details).toEqual([
      { field: 'labels', reason: 'has 101 fields; at most 100 are allowed' },
    ]);
  });

  it('allows 1,000 array items and refuses 1,001', () => {
    expect(() => checkInputStructure({ tags: Array(1000).fill('x') })).not.toThrow();
    expect(failure(() => checkInputStructure({ tags: Array(1001).fill('x') })).details).toEqual([
      { field: 'tags', reason: 'has 1001 items; at most 1000 are allowed' },
    ]);
  });

  it('allows 10,000 chars per string and refuses 10,001', () => {
    expect(() => checkInputStructure({ description: 'x'.repeat(10_000) })).not.toThrow();
    expect(failure(() => checkInputStructure({ description: 'x'.repeat(10_001) })).details).toEqual([
      { field: 'description', reason: 'is 10001 characters; at most 10000 are allowed' },
    ]);
  });

  it('gives the fields named in stringLimits their own limit, and only them', () => {
    const options = { stringLimits: { content: 20_000, tags: 12_000 } };
    expect(() => checkInputStructure({ content: 'x'.repeat(20_000) }, options)).not.toThrow();
    expect(failure(() => checkInputStructure({ content: 'x'.repeat(20_001) }, options)).details).toEqual([
      { field: 'content', reason: expect.stringContaining('at most 20000') },
    ]);
    expect(() => checkInputStructure({ title: 'x'.repeat(10_001) }, options)).toThrow(BinderyError);
    expect(() => checkInputStructure({ tags: ['x'.repeat(12_000)] }, options)).not.toThrow();
    // A field named like an Object.prototype member gets the default limit, not a function.
    expect(() => checkInputStructure({ toString: 'x'.repeat(10_001) }, options)).toThrow(BinderyError);
  });

  it('refuses values that are not JSON', () => {
    expect(failure(() => checkInputStructure({ due_at: new Date() })).details).toEqual([
      { field: 'due_at', reason: 'is not a JSON value' },
    ]);
    expect(() => checkInputStructure({ f: () => 1 })).toThrow(BinderyError);
  });
});

describe('checkInputStructure: dangerous keys', () => {
  it.each(['__proto__', 'constructor', 'prototype', '__defineGetter__', '__x'])(
    'refuses %s at depth with its path',
    (key) => {
      const input = parseJsonText(`{"title":"t","subtasks":[{"title":"c","${key}":{"x":1}}]}`, 1000);
      const error = failure(() => checkInputStructure(input, { path: 'task_input' }));
      expect(error.code).toBe('validation_error');
      expect(error.details).toEqual([
        { field: `task_input.subtasks.0.${key}`, reason: expect.stringContaining(key) },
      ]);
      expect(error.message).toContain(`task_input.subtasks.0.${key}`);
    },
  );

  it('refuses a dangerous key smuggled through control characters', () => {
    const input = parseJsonText('{"labels":{"__pro\\u0000to__":1}}', 1000);
    expect(failure(() => checkInputStructure(input)).details).toEqual([
      { field: 'labels.__proto__', reason: expect.any(String) },
    ]);
    expect(() => checkInputStructure({ '_\u0001_x': 1 })).toThrow(BinderyError);
  });

  it('accepts ordinary keys that merely contain the words', () => {
    const input = { labels: { constructor_name: 'x', my__key: 1, _private: 2, prototypes: 3 } };
    expect(checkInputStructure(input)).toEqual(input);
  });

  it('refuses two keys that become equal once control characters are removed', () => {
    expect(failure(() => checkInputStructure({ labels: { 'a\u0000': 1, a: 2 } })).details).toEqual([
      { field: 'labels.a', reason: expect.any(String) },
    ]);
  });
});

describe('checkInputStructure: control characters', () => {
  it('removes C0 controls from values and keys but keeps tab, LF and CR', () => {
    const all = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('');
    const result = checkInputStructure({ 'ke\u0007y': `a${all}b\u007f`, tags: ['x\u0000y'] }) as Record<
      string,
      unknown
    >;
    expect(result).toEqual({ key: 'a\t\n\rb\u007f', tags: ['xy'] });
  });

  it('cleans a root string', () => {
    expect(checkInputStructure('a\u0000b')).toBe('ab');
  });

  it('returns a copy with plain objects and leaves the input alone', () => {
    const input = { title: 'a\u0000', labels: { x: 1 } };
    const result = checkInputStructure(input) as Record<string, unknown>;
    expect(input.title).toBe('a\u0000');
    expect(result.labels).not.toBe(input.labels);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });
});

describe('parseJsonText', () => {
  it('keeps __proto__ as an own property of a null-prototype object, never a prototype', () => {
    const parsed = parseJsonText('{"__proto__":{"polluted":true},"a":{"__proto__":{"polluted":true}}}', 1000);
    expect(Object.getPrototypeOf(parsed)).toBeNull();
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(parsed.a)).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((parsed as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps arrays and values', () => {
    const parsed = parseJsonText('{"tags":["a",{"b":null}],"n":1.5,"t":true}', 1000);
    expect(JSON.parse(JSON.stringify(parsed))).toEqual({ tags: ['a', { b: null }], n: 1.5, t: true });
  });

  it('allows exactly maxChars and refuses one more, naming the max', () => {
    const text = `{"a":"${'x'.repeat(92)}"}`;
    expect(text.length).toBe(100);
    expect(() => parseJsonText(text, 100)).not.toThrow();
    const error = failure(() => parseJsonText(text, 99, { field: 'task_input' }));
    expect(error.code).toBe('validation_error');
    expect(error.details).toEqual([
      { field: 'task_input', reason: 'JSON text is 100 characters; at most 99 are allowed' },
    ]);
  });

  it('reports the position of a syntax error', () => {
    const error = failure(() => parseJsonText('{\n  "a": 1\n  "b": 2}', 1000, { field: 'task_input' }));
    expect(error.code).toBe('validation_error');
    const [issue] = error.details as { field: string; reason: string }[];
    expect(issue?.field).toBe('task_input');
    expect(issue?.reason).toMatch(/^not valid JSON: .*position 13 \(line 3, column 3\)$/);
  });

  it('refuses text that is not a JSON object', () => {
    expect(failure(() => parseJsonText('[1]', 100, { field: 'x' })).details).toEqual([
      { field: 'x', reason: 'must be a JSON object, got an array' },
    ]);
    expect(failure(() => parseJsonText('null', 100)).details).toEqual([
      { field: '', reason: 'must be a JSON object, got null' },
    ]);
    expect(() => parseJsonText('"s"', 100)).toThrow(BinderyError);
  });

  it('parses a list where one is asked for, its objects with null prototypes, and refuses anything else', () => {
    const list = parseJsonText('[{"task_id":"t","__proto__":{"x":1}}]', 100, {
      field: 'items',
      holds: 'array',
    });
    expect(Array.isArray(list)).toBe(true);
    const [item] = list as Record<string, unknown>[];
    expect(Object.getPrototypeOf(item)).toBeNull();
    expect(Object.keys(item!)).toEqual(['task_id', '__proto__']);
    expect(failure(() => parseJsonText('{}', 100, { field: 'items', holds: 'array' })).details).toEqual([
      { field: 'items', reason: 'must be a JSON list, got object' },
    ]);
  });

  it('copies 100,000 levels of nesting without overflowing the stack', () => {
    const text = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(() => parseJsonText(text, text.length)).not.toThrow();
  });
});
