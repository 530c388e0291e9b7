// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` in plain strings is the input under test.
import { describe, expect, it } from 'vitest';
import { BinderyError } from '../../../src/contract/errors.js';
import { parseJsonText } from '../../../src/contract/input-safety.js';
import {
  applyInjectionPolicy,
  detectInjection,
  INJECTION_PATTERNS,
  type InjectionPatternName,
  SecurityCounters,
} from '../../../src/mcp/security/index.js';

/** One sample per pattern, and what strip leaves of it. */
const SAMPLES: [InjectionPatternName, string, string][] = [
  ['script_tag', 'a<script src="x.js">alert(1)</script>b', 'aalert(1)b'],
  ['script_tag', 'a<SCRIPT>b', 'ab'],
  ['javascript_url', '<a href="javascript:alert(1)">', '<a href="alert(1)">'],
  ['javascript_url', 'JavaScript :void(0)', 'void(0)'],
  ['event_handler', '<img src=x onerror=alert(1)>', '<img src=x alert(1)>'],
  ['event_handler', '<b onclick ="go()">', '<b "go()">'],
  ['event_handler', '<svg onLoad=go()>', '<svg go()>'],
  ['template_expression', 'Hello ${user.name}!', 'Hello !'],
  ['template_expression', 'x${JSON.stringify({a: 1})}y', 'xy'],
  ['mustache_expression', 'Hi {{ user.password }} there', 'Hi  there'],
  ['eval_call', 'run eval("1+1")', 'run "1+1")'],
  ['eval_call', 'eval (x)', 'x)'],
  ['function_constructor', 'new Function("return this")()', 'new "return this")()'],
  ['proto_access', 'a.__proto__.polluted = 1', 'a..polluted = 1'],
  ['constructor_access', 'x.constructor["prototype"]', 'x."prototype"]'],
];

const BENIGN = [
  'one = 1 and online=true and once=2',
  'evaluation (draft) of myFunction() and function (a) {}',
  'costs $5 {approx} or { single } braces',
  'the constructor is called; javascript is fun',
  'Description: a <b>bold</b> <scripted> move, <noscript> tag',
  'prototype and __proto without trailing',
];

describe('detectInjection', () => {
  it.each(SAMPLES)('detects %s in %j', (name, text) => {
    expect(detectInjection(text)).toEqual([name]);
  });

  it.each(BENIGN)('finds nothing in %j', (text) => {
    expect(detectInjection(text)).toEqual([]);
  });

  it('gives the same answer on repeated calls (no regex state carried over)', () => {
    for (let i = 0; i < 3; i++) expect(detectInjection('{{a}} {{b}}')).toEqual(['mustache_expression']);
  });
});

describe('applyInjectionPolicy', () => {
  const input = () => ({
    title: 'Fix login',
    description: 'see <script>alert(1)</script>',
    subtasks: [{ title: 'use ${secret}', tags: ['ok', 'eval(x)'] }],
  });

  it('flag returns the value unchanged and lists every detection with its field', () => {
    const counters = new SecurityCounters();
    const value = input();
    const result = applyInjectionPolicy(value, 'flag', counters, { path: 'task_input' });
    expect(result.value).toBe(value);
    expect(result.value).toEqual(input());
    expect(result.detections).toEqual(
      expect.arrayContaining([
        { field: 'task_input.description', pattern: 'script_tag' },
        { field: 'task_input.subtasks.0.title', pattern: 'template_expression' },
        { field: 'task_input.subtasks.0.tags.1', pattern: 'eval_call' },
      ]),
    );
    expect(result.detections).toHaveLength(3);
  });

  it.each(SAMPLES)('strip removes %s from %j', (_name, text, stripped) => {
    const result = applyInjectionPolicy({ text }, 'strip', new SecurityCounters());
    expect(result.value).toEqual({ text: stripped });
    expect(detectInjection(stripped)).toEqual([]);
  });

  it('strip copies the value and leaves the input alone', () => {
    const value = input();
    const result = applyInjectionPolicy(value, 'strip', new SecurityCounters());
    expect(result.value).toEqual({
      title: 'Fix login',
      description: 'see alert(1)',
      subtasks: [{ title: 'use ', tags: ['ok', 'x)'] }],
    });
    expect(value).toEqual(input());
  });

  it('strip repeats until removing a match does not form a new one', () => {
    const result = applyInjectionPolicy({ t: 'a<scr<script>ipt>alert(1)b' }, 'strip', new SecurityCounters());
    expect(result.value).toEqual({ t: 'aalert(1)b' });
  });

  it('strip refuses a text nested to survive every round', () => {
    let text = '<script>';
    for (let i = 0; i < 12; i++) text = `<scr${text}ipt>`;
    const counters = new SecurityCounters();
    const error = (() => {
      try {
        applyInjectionPolicy({ description: text }, 'strip', counters, { path: 'task_input' });
      } catch (e) {
        return e as BinderyError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error).toBeInstanceOf(BinderyError);
    expect(error.code).toBe('validation_error');
    expect(error.details).toEqual([
      { field: 'task_input.description', reason: expect.stringContaining('script_tag') },
    ]);
    expect(counters.snapshot().rejections).toBe(1);
  });

  it.each(SAMPLES)('reject refuses %s naming the field and the pattern', (name, text) => {
    const counters = new SecurityCounters();
    let caught: unknown;
    try {
      applyInjectionPolicy({ notes: [text] }, 'reject', counters, { path: 'task_input' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BinderyError);
    const error = caught as BinderyError;
    expect(error.code).toBe('validation_error');
    expect(error.details).toEqual([
      { field: 'task_input.notes.0', reason: `contains a refused pattern (${name})` },
    ]);
    expect(error.message).toContain('task_input.notes.0');
    expect(counters.snapshot().rejections).toBe(1);
  });

  it('reject passes clean input through untouched', () => {
    const value = { title: BENIGN.join(' ') };
    expect(applyInjectionPolicy(value, 'reject', new SecurityCounters())).toEqual({ value, detections: [] });
  });

  it('checks field names too, and strips them without touching the prototype', () => {
    const flagged = applyInjectionPolicy({ labels: { '{{x}}': 1 } }, 'flag', new SecurityCounters());
    expect(flagged.detections).toEqual([{ field: 'labels.{{x}}', pattern: 'mustache_expression' }]);

    const parsed = parseJsonText('{"labels":{"__proto__":{"polluted":true}}}', 1000);
    const stripped = applyInjectionPolicy(parsed, 'strip', new SecurityCounters()).value as {
      labels: Record<string, unknown>;
    };
    expect(Object.keys(stripped.labels)).toEqual(['']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses field names that collide once stripped', () => {
    expect(() =>
      applyInjectionPolicy({ labels: { 'a{{x}}': 1, a: 2 } }, 'strip', new SecurityCounters()),
    ).toThrow(BinderyError);
  });

  it('keeps non-string values', () => {
    const value = { n: 1, b: false, z: null, list: [1, [2, { c: 'eval(1)' }]] };
    const result = applyInjectionPolicy(value, 'strip', new SecurityCounters());
    expect(result.value).toEqual({ n: 1, b: false, z: null, list: [1, [2, { c: '1)' }]] });
    expect(result.detections).toEqual([{ field: 'list.1.1.c', pattern: 'eval_call' }]);
  });
});

describe('SecurityCounters', () => {
  it('counts inputs, detections by pattern, stripped strings and rejections', () => {
    const counters = new SecurityCounters();
    applyInjectionPolicy({ a: 'x' }, 'flag', counters);
    applyInjectionPolicy({ a: '{{x}} eval(1)', b: '{{y}}' }, 'flag', counters);
    applyInjectionPolicy({ a: '${x}' }, 'strip', counters);
    expect(() => applyInjectionPolicy({ a: '__proto__' }, 'reject', counters)).toThrow(BinderyError);
    expect(counters.snapshot()).toEqual({
      inputs_checked: 4,
      detections_total: 5,
      detections_by_pattern: {
        mustache_expression: 2,
        eval_call: 1,
        template_expression: 1,
        proto_access: 1,
      },
      rejections: 1,
      strings_stripped: 1,
    });
  });
});

describe('adversarial input', () => {
  const n = 100_000;
  const texts: Record<string, string> = {
    'script openings': '<script'.repeat(n / 7),
    'script attributes': `<script ${'a'.repeat(n)}`,
    'javascript spaces': `javascript${' '.repeat(n)}`,
    'handler spaces': `onerror${' '.repeat(n)}`,
    'many handlers': 'onclick '.repeat(n / 8),
    'template openings': '${'.repeat(n / 2),
    'template groups': `\${${'{a}'.repeat(n / 3)}`,
    'template mixed': '${ {a} $'.repeat(n / 8),
    'mustache openings': '{{'.repeat(n / 2),
    'mustache unclosed': `{{${'a}'.repeat(n / 2)}`,
    'eval spaces': `eval${' '.repeat(n)}`,
    'constructor spaces': `constructor${'\t'.repeat(n)}`,
    underscores: '_'.repeat(n),
  };

  it.each(Object.entries(texts))('handles %s in well under a second', (_name, text) => {
    const started = performance.now();
    detectInjection(text);
    applyInjectionPolicy({ text }, 'flag', new SecurityCounters());
    try {
      applyInjectionPolicy({ text }, 'strip', new SecurityCounters());
    } catch {
      // Refusing a text that survives stripping is fine; only the time matters here.
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('covers every pattern', () => {
    expect(Object.keys(INJECTION_PATTERNS).sort()).toEqual(
      [...new Set(SAMPLES.map(([name]) => name))].sort(),
    );
  });
});
