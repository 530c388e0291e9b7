/**
 * The tools/list entry of a tool, with JSON Schemas derived from its zod schemas. The list goes into the
 * context window of every model that uses Bindery and must stay under 32 KB, so it departs from the SDK's
 * own listing (which would be ~76 KB for these tools):
 * - inputSchema keeps names, types, enums, formats, descriptions, required fields and strictness; length,
 *   count and pattern limits are left to the server, which reports a broken one by field.
 * - outputSchema is an outline of the result (each field's type) plus the error result. Clients validate
 *   structuredContent against outputSchema even when isError is set (SDK 1.32 Client.callTool does), so an
 *   error result outside it would reach the caller as a protocol exception instead of a readable error.
 *   The full zod schema is still applied to every result before it is sent (call.ts).
 */
import type { Tool as ListedTool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Tool } from './tools/define.js';

type JsonSchema = Record<string, unknown>;

const LIMIT_KEYWORDS = new Set([
  '$schema',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'pattern',
  'propertyNames',
]);

/** The error result (errors.ts); its fields are explained once, in the server's instructions. */
const ERROR_BRANCH: JsonSchema = { required: ['success', 'error', 'error_code', 'operation'] };

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toJson(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return z.toJSONSchema(schema, {
    target: 'draft-07',
    io,
    override: ({ zodSchema, jsonSchema }) => {
      // z.json() (labels, restrictions): any JSON value, without its recursive definition.
      if (zodSchema._zod.def.type === 'lazy')
        for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
    },
  }) as JsonSchema;
}

/** `anyOf: [X, {type: null}]` → X with `type: [X's type, "null"]`. */
function foldNullable(node: JsonSchema): JsonSchema {
  const members = node.anyOf;
  if (!Array.isArray(members) || members.length !== 2) return node;
  const isNull = (s: unknown) => isSchema(s) && s.type === 'null' && Object.keys(s).length === 1;
  const other = (isNull(members[1]) ? members[0] : isNull(members[0]) ? members[1] : undefined) as
    | JsonSchema
    | undefined;
  if (!other || typeof other.type !== 'string') return node;
  const { anyOf: _members, ...rest } = node;
  return { ...rest, ...other, type: [other.type, 'null'] };
}

/** Input schema without limit keywords, with nullable unions folded and `{}` definitions inlined. */
function lean(node: unknown, definitions: Record<string, unknown>): unknown {
  if (Array.isArray(node)) return node.map((item) => lean(item, definitions));
  if (!isSchema(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string' && isSchema(definitions[ref]) && Object.keys(definitions[ref]).length === 0) {
    return {};
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (LIMIT_KEYWORDS.has(key)) continue;
    out[key] =
      key === 'properties' || key === 'definitions'
        ? Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, lean(v, definitions)]))
        : lean(value, definitions);
  }
  return foldNullable(out);
}

function inputSchema(tool: Tool): JsonSchema {
  const json = toJson(tool.advertisedInput, 'input');
  const definitions = Object.fromEntries(
    Object.entries((json.definitions ?? {}) as JsonSchema).map(([name, def]) => [
      `#/definitions/${name}`,
      def,
    ]),
  );
  const result = lean(json, definitions) as JsonSchema;
  const kept = Object.entries((result.definitions ?? {}) as JsonSchema).filter(
    ([, def]) => isSchema(def) && Object.keys(def).length > 0,
  );
  delete result.definitions;
  return kept.length > 0 ? { ...result, definitions: Object.fromEntries(kept) } : result;
}

/** A field's type (with its enum or constant), without the structure below it. */
function fieldOutline(node: JsonSchema): JsonSchema {
  if (node.const !== undefined) return { const: node.const };
  const types = new Set<string>();
  let values: unknown;
  let itemType: unknown;
  for (const member of Array.isArray(node.anyOf) ? (node.anyOf as JsonSchema[]) : [node]) {
    for (const type of [member.type].flat()) if (typeof type === 'string') types.add(type);
    values ??= member.enum;
    if (isSchema(member.items) && typeof member.items.type === 'string') itemType ??= member.items.type;
  }
  if (types.size === 0) return {};
  const outline: JsonSchema = { type: types.size === 1 ? [...types][0] : [...types] };
  if (values) outline.enum = values;
  if (itemType) outline.items = { type: itemType };
  return outline;
}

function outputSchema(tool: Tool): JsonSchema {
  const json = toJson(tool.output, 'output');
  // metrics (MCP_INCLUDE_METRICS) stays out of the outline: it is optional and the outline is open.
  const properties = Object.entries(json.properties as Record<string, JsonSchema>)
    .filter(([name]) => name !== 'metrics')
    .map(([name, field]) => [name, fieldOutline(field)]);
  return {
    type: 'object',
    anyOf: [{ type: 'object', properties: Object.fromEntries(properties) }, ERROR_BRANCH],
  };
}

const listings = new WeakMap<Tool, ListedTool>();

export function toolListing(tool: Tool): ListedTool {
  let listed = listings.get(tool);
  if (!listed) {
    listed = {
      name: tool.name,
      description: tool.description,
      inputSchema: inputSchema(tool) as ListedTool['inputSchema'],
      outputSchema: outputSchema(tool) as ListedTool['outputSchema'],
      annotations: tool.annotations,
    };
    listings.set(tool, listed);
  }
  return listed;
}
