/**
 * Injection pattern detection (docs/mcp.md, "Input handling"). Text is stored verbatim by default (policy
 * `flag`): output encoding is what stops XSS, detection only makes attempts visible. Every pattern is
 * precompiled and linear-time: no nested or adjacent quantifiers over overlapping characters, and every
 * open-ended scan stops at a character that also starts the next candidate, so a failed attempt is never
 * rescanned.
 */
import { BinderyError } from '../../contract/errors.js';

export type InjectionPolicy = 'flag' | 'strip' | 'reject';
export const INJECTION_POLICIES: readonly InjectionPolicy[] = ['flag', 'strip', 'reject'];

// HTML event handler attributes (`on` + event name); a list rather than `on\w+` so prose such as
// "one = 1" or "online=true" is not taken for a handler.
const EVENT_NAMES =
  'abort|afterprint|animation(?:start|end|iteration|cancel)|auxclick|before(?:input|print|unload|toggle|copy|cut|paste)' +
  '|begin|blur|cancel|canplay(?:through)?|change|click|close|contextmenu|copy|cuechange|cut|dblclick' +
  '|drag(?:start|end|enter|leave|over|exit)?|drop|durationchange|emptied|end|ended|error|focus(?:in|out)?|formdata' +
  '|fullscreen(?:change|error)|gotpointercapture|hashchange|input|invalid|key(?:down|press|up)' +
  '|load(?:start|end|eddata|edmetadata)?|lostpointercapture|message(?:error)?' +
  '|mouse(?:down|enter|leave|move|out|over|up|wheel)|offline|online|page(?:hide|show)|paste|pause|play(?:ing)?' +
  '|pointer(?:down|enter|leave|move|out|over|up|cancel)|popstate|progress|ratechange|readystatechange|repeat' +
  '|reset|resize|scroll(?:end)?|search|securitypolicyviolation|seek(?:ed|ing)|select(?:start|ionchange)?|show' +
  '|slotchange|stalled|storage|submit|suspend|timeupdate|toggle|touch(?:start|end|move|cancel)' +
  '|transition(?:start|end|run|cancel)|unload|volumechange|waiting|wheel';

export const INJECTION_PATTERNS = {
  // `<script …>` / `</script>`; the attribute scan stops at the next `<`, so it never overlaps another try.
  script_tag: /<\/?script\b(?:[^<>]*>)?/gi,
  javascript_url: /\bjavascript\s*:/gi,
  event_handler: new RegExp(`\\bon(?:${EVENT_NAMES})\\s*=`, 'gi'),
  // `${…}` with one level of nested braces (`${fn({})}`), written as an unrolled loop: no ambiguity.
  template_expression: /\$\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}/g,
  mustache_expression: /\{\{[^{}]*\}\}/g,
  eval_call: /\beval\s*\(/g,
  function_constructor: /\bFunction\s*\(/g,
  proto_access: /__proto__/g,
  constructor_access: /\bconstructor\s*\[/g,
} as const satisfies Record<string, RegExp>;

export type InjectionPatternName = keyof typeof INJECTION_PATTERNS;
const PATTERN_ENTRIES = Object.entries(INJECTION_PATTERNS) as [InjectionPatternName, RegExp][];

/** Names of the patterns found in `text` (String#search ignores the shared regexes' lastIndex). */
export function detectInjection(text: string): InjectionPatternName[] {
  return PATTERN_ENTRIES.filter(([, pattern]) => text.search(pattern) !== -1).map(([name]) => name);
}

// Removing one match can join its neighbours into a new one (`<scr<script>ipt>`); strip repeats, but
// a text that still matches after this many rounds is built to defeat stripping and is refused.
const MAX_STRIP_ROUNDS = 8;

function stripInjection(text: string, field: string): string {
  let current = text;
  for (let round = 0; round < MAX_STRIP_ROUNDS; round++) {
    const found = detectInjection(current);
    if (found.length === 0) return current;
    for (const name of found) current = current.replace(INJECTION_PATTERNS[name], '');
  }
  const left = detectInjection(current);
  if (left.length === 0) return current;
  throw BinderyError.validation([
    { field, reason: `still contains ${left.join(', ')} after removing it ${MAX_STRIP_ROUNDS} times` },
  ]);
}

export interface InjectionDetection {
  field: string;
  pattern: InjectionPatternName;
}

export interface SecuritySnapshot {
  inputs_checked: number;
  detections_total: number;
  detections_by_pattern: Partial<Record<InjectionPatternName, number>>;
  rejections: number;
  strings_stripped: number;
}

/** Process-wide counts shown by health_check. */
export class SecurityCounters {
  private inputsChecked = 0;
  private detectionsTotal = 0;
  private readonly byPattern = new Map<InjectionPatternName, number>();
  private rejections = 0;
  private stringsStripped = 0;

  recordInput(): void {
    this.inputsChecked += 1;
  }

  recordDetection(pattern: InjectionPatternName): void {
    this.detectionsTotal += 1;
    this.byPattern.set(pattern, (this.byPattern.get(pattern) ?? 0) + 1);
  }

  recordRejection(): void {
    this.rejections += 1;
  }

  recordStripped(): void {
    this.stringsStripped += 1;
  }

  snapshot(): SecuritySnapshot {
    return {
      inputs_checked: this.inputsChecked,
      detections_total: this.detectionsTotal,
      detections_by_pattern: Object.fromEntries(this.byPattern),
      rejections: this.rejections,
      strings_stripped: this.stringsStripped,
    };
  }
}

export interface InjectionOptions {
  /** Path prefix for detections and errors, e.g. the MCP parameter name `task_input`. */
  path?: string;
}

export interface InjectionResult {
  value: unknown;
  detections: InjectionDetection[];
}

/**
 * Look for injection patterns in every string (values and field names) of a JSON value and apply the
 * policy. flag: `value` is returned as given; strip: a copy with the matches removed; reject: a
 * validation_error naming every field and pattern found.
 */
export function applyInjectionPolicy(
  value: unknown,
  policy: InjectionPolicy,
  counters: SecurityCounters,
  options: InjectionOptions = {},
): InjectionResult {
  counters.recordInput();
  const detections: InjectionDetection[] = [];
  const visit = (text: string, field: string): string => {
    const found = detectInjection(text);
    if (found.length === 0) return text;
    for (const pattern of found) {
      detections.push({ field, pattern });
      counters.recordDetection(pattern);
    }
    if (policy !== 'strip') return text;
    counters.recordStripped();
    return stripInjection(text, field);
  };
  let copy: unknown;
  try {
    copy = mapStrings(value, options.path ?? '', visit);
  } catch (error) {
    // Strip refuses texts built to survive stripping, and field names that collide once stripped.
    counters.recordRejection();
    throw error;
  }
  if (policy === 'reject' && detections.length > 0) {
    counters.recordRejection();
    throw BinderyError.validation(
      detections.map((d) => ({ field: d.field, reason: `contains a refused pattern (${d.pattern})` })),
    );
  }
  return { value: policy === 'strip' ? copy : value, detections };
}

/** Copy of a JSON value with every string (field names included) passed through `visit`; iterative. */
function mapStrings(value: unknown, path: string, visit: (text: string, field: string) => string): unknown {
  const pending: [source: object, target: object, path: string][] = [];
  // Strings are visited now; containers come back empty and are queued to be filled.
  const copyOf = (child: unknown, childPath: string): unknown => {
    if (typeof child === 'string') return visit(child, childPath);
    if (typeof child !== 'object' || child === null) return child;
    const target = Array.isArray(child) ? [] : {};
    pending.push([child, target, childPath]);
    return target;
  };
  const root = copyOf(value, path);
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [source, target, base] = item;
    const join = (key: string | number) => (base === '' ? String(key) : `${base}.${key}`);
    if (Array.isArray(source)) {
      for (const [index, child] of source.entries()) (target as unknown[]).push(copyOf(child, join(index)));
      continue;
    }
    for (const [key, child] of Object.entries(source)) {
      const newKey = visit(key, join(key));
      if (Object.hasOwn(target, newKey)) {
        throw BinderyError.validation([
          { field: join(key), reason: 'field name collides with another once stripped' },
        ]);
      }
      // defineProperty: a `__proto__` key must stay an own property, never set the copy's prototype.
      Object.defineProperty(target, newKey, {
        value: copyOf(child, join(newKey)),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return root;
}
