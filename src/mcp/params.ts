/**
 * Tool arguments → validated input, in the order docs/mcp.md ("Input handling") describes: JSON-string
 * parameters parsed with a real JSON parser (into null-prototype objects), then the structure checks,
 * dangerous keys and control characters, then the injection policy, then the tool's strict schema. What comes
 * out of each step is what the next one sees, so stripped text is what gets stored and a refusal stops the
 * call.
 */
import { BinderyError, parseInput } from '../contract/index.js';
import { checkInputStructure, parseJsonText, removeControlChars } from '../contract/input-safety.js';
import type { Logger } from '../runtime/logger.js';
import { applyInjectionPolicy, type InjectionPolicy, type SecurityCounters } from './security/index.js';
import type { Tool } from './tools/define.js';

export interface InputSecurity {
  policy: InjectionPolicy;
  counters: SecurityCounters;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A copy of the arguments in which every JSON-string parameter is the object (or list) it holds. */
function decodeJsonParams(tool: Tool, args: Record<string, unknown>): Record<string, unknown> {
  const decoded: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(args)) {
    const value = args[key];
    const holds = tool.jsonLists.includes(key) ? 'array' : 'object';
    const given = holds === 'array' ? Array.isArray(value) : isPlainObject(value);
    if (!tool.jsonParams.includes(key) || given || value === undefined) {
      decoded[key] = value;
    } else if (typeof value === 'string') {
      // Control characters go first, as in any other string: JSON would refuse them raw inside a value.
      decoded[key] = parseJsonText(removeControlChars(value), tool.jsonTextLimit, { field: key, holds });
    } else {
      const what = holds === 'array' ? 'a list' : 'an object';
      throw BinderyError.validation([{ field: key, reason: `must be ${what} or a JSON string of one` }]);
    }
  }
  return decoded;
}

/** `{title: …}` for create_task is `{task_input: {title: …}}`: the flat form, when the one parameter is absent. */
function wrapFlatForm(tool: Tool, args: Record<string, unknown>): Record<string, unknown> {
  const into = tool.flatParam;
  if (into === undefined || Object.hasOwn(args, into) || Object.keys(args).length === 0) return args;
  const wrapped: Record<string, unknown> = Object.create(null);
  wrapped[into] = args;
  return wrapped;
}

export function prepareArguments(
  tool: Tool,
  raw: unknown,
  security: InputSecurity,
  logger: Logger,
): Record<string, unknown> {
  const args = raw ?? {};
  if (!isPlainObject(args)) {
    throw BinderyError.validation([
      { field: '(arguments)', reason: 'must be an object of named parameters' },
    ]);
  }
  const checked = checkInputStructure(decodeJsonParams(tool, wrapFlatForm(tool, args)), {
    stringLimits: tool.stringLimits,
  });
  let screened: ReturnType<typeof applyInjectionPolicy>;
  try {
    screened = applyInjectionPolicy(checked, security.policy, security.counters);
  } catch (error) {
    logger.warn({ tool: tool.name, policy: security.policy }, 'tool input refused by the injection policy');
    throw error;
  }
  const { value, detections } = screened;
  if (detections.length > 0) {
    logger.warn(
      { tool: tool.name, policy: security.policy, detections: detections.slice(0, 20) },
      'injection pattern in tool input',
    );
  }
  return parseInput(tool.input, value);
}
