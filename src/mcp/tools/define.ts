import type { ToolAnnotations } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { BinderyApi } from '../../contract/index.js';
import { MAX_JSON_TEXT_CHARS } from '../../contract/input-safety.js';
import { Metrics } from '../errors.js';
import type { HealthReport } from '../health.js';

/** What a tool may use: the API (in-process service or HTTP client) and the transport's health report. */
export interface ToolContext {
  api: BinderyApi;
  health: () => Promise<HealthReport>;
}

export interface ToolSpec<S extends z.ZodRawShape, O extends z.ZodObject> {
  name: string;
  /** One or two sentences written for a model. */
  description: string;
  params: S;
  /**
   * Parameters that take an object or a JSON string of one (docs/mcp.md), with what the object is. The schema's
   * `anyOf: [string, object]` and the server's instructions say the rest, once for every tool.
   */
  jsonParams?: Readonly<Partial<Record<keyof S & string, string>>>;
  /** Longest JSON string accepted for a JSON parameter; default 100,000 characters. */
  jsonTextLimit?: number;
  /** Fields allowed strings longer than the §5 default of 10,000 characters. */
  stringLimits?: Readonly<Record<string, number>>;
  output: O;
  annotations: ToolAnnotations;
  /** `_meta` of the tools/list entry (an MCP Apps UI link: docs/mcp.md, "The board in the chat"). */
  meta?: Readonly<Record<string, unknown>>;
  /**
   * The result's text block when it is not the JSON of structuredContent: a summary written for a model or
   * a person, for a client that shows text only.
   */
  text?: (output: z.output<O>) => string;
  /**
   * Returns the API's answer as it came, or an object of its own: never an answer edited in place, since an
   * answer the HTTP client validated against `output` is not validated again (call.ts, `checkedOutput`).
   */
  run(args: z.output<z.ZodObject<S, z.core.$strict>>, ctx: ToolContext): Promise<z.input<O>>;
}

/** A tool ready to register: its schemas derived once from the spec. */
export interface Tool {
  name: string;
  description: string;
  annotations: ToolAnnotations;
  jsonParams: readonly string[];
  /** The JSON parameters whose value is a list rather than an object. */
  jsonLists: readonly string[];
  jsonTextLimit: number;
  stringLimits: Readonly<Record<string, number>>;
  /** Validates arguments once JSON strings are parsed: unknown parameters are refused. */
  input: z.ZodObject;
  /** What tools/list shows: a JSON parameter is an object or a string. */
  advertisedInput: z.ZodObject;
  /** A success result, with the optional metrics of MCP_INCLUDE_METRICS. */
  output: z.ZodObject;
  /** The spec's output schema: an answer already validated against this very object is not parsed again. */
  answer: z.ZodObject;
  meta: Readonly<Record<string, unknown>> | undefined;
  /** A success's text block; the JSON of structuredContent when undefined. */
  text: ((output: Record<string, unknown>) => string) | undefined;
  /**
   * The tool's only parameter when it is a JSON one (`task_input`): arguments sent without it are taken as
   * its fields, the flat form a model often writes.
   */
  flatParam: string | undefined;
  /** An API error's field path → the path in this tool's parameters, so errors name what the caller sent. */
  paramPath(field: string): string;
  run(args: unknown, ctx: ToolContext): Promise<unknown>;
}

/**
 * The API input is the tool's one JSON parameter (`title` → `task_input.title`) next to its other
 * parameters (`task_id` stays).
 */
function paramPathOf(params: readonly string[], into: string | undefined) {
  return (field: string): string => {
    const [head = ''] = field.split('.');
    if (into === undefined || params.includes(head)) return field;
    return field === '' ? into : `${into}.${field}`;
  };
}

function isOnlyParam(params: z.ZodRawShape, jsonParams: readonly [string, string][]): boolean {
  return jsonParams.length === 1 && Object.keys(params).length === 1;
}

export function defineTool<S extends z.ZodRawShape, O extends z.ZodObject>(spec: ToolSpec<S, O>): Tool {
  const jsonParams = Object.entries(spec.jsonParams ?? {}) as [string, string][];
  const advertised: Record<string, z.core.$ZodType> = { ...spec.params };
  for (const [name, what] of jsonParams) {
    advertised[name] = z.union([z.string(), spec.params[name] as z.ZodType]).describe(what);
  }
  return {
    name: spec.name,
    description: spec.description,
    annotations: spec.annotations,
    jsonParams: jsonParams.map(([name]) => name),
    jsonLists: jsonParams
      .filter(([name]) => (spec.params[name] as z.ZodType).def.type === 'array')
      .map(([name]) => name),
    jsonTextLimit: spec.jsonTextLimit ?? MAX_JSON_TEXT_CHARS,
    stringLimits: spec.stringLimits ?? {},
    input: z.strictObject(spec.params),
    advertisedInput: z.strictObject(advertised),
    output: spec.output.extend({ metrics: Metrics.optional() }),
    answer: spec.output,
    meta: spec.meta,
    text: spec.text as Tool['text'],
    paramPath: paramPathOf(Object.keys(spec.params), jsonParams.length === 1 ? jsonParams[0]![0] : undefined),
    flatParam: isOnlyParam(spec.params, jsonParams) ? jsonParams[0]![0] : undefined,
    run: spec.run as Tool['run'],
  };
}

const base = { openWorldHint: false } as const;
/** Reads change nothing; asking twice gives the same answer. */
export const READ: ToolAnnotations = {
  ...base,
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
};
/** Adds a new entity; a repeat adds another. */
export const CREATE: ToolAnnotations = {
  ...base,
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
};
/** Overwrites fields of an existing entity; a repeat changes nothing more. */
export const OVERWRITE: ToolAnnotations = {
  ...base,
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
};
/** Moves an entity forward (complete, execute) without removing data; a repeat acts again. */
export const ADVANCE: ToolAnnotations = {
  ...base,
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
};
/** Removes data; a repeat finds nothing left to remove. */
export const REMOVE: ToolAnnotations = {
  ...base,
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
};
