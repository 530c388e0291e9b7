/**
 * The tools/list entry of a tool, with JSON Schemas derived from its zod schemas. The list goes into the
 * context window of every model that uses Bindery and must stay under 32 KB, so it departs from the SDK's
 * own listing (which would be ~76 KB for these tools):
 * - inputSchema keeps names, types, enums, formats, descriptions, required fields and strictness; length,
 *   count and pattern limits are left to the server, which reports a broken one by field. Enums list the
 *   canonical values only (the status and priority aliases are still accepted). A recursive input (a task's
 *   subtasks) is stated once, in `$defs`, and referred to.
 * - outputSchema says "an object" and no more: every result also arrives as JSON text that names its
 *   fields, and a model needs the input schema to call a tool right, not the output's. An error result fits
 *   it too, which matters: clients validate structuredContent against outputSchema even when isError is set
 *   (the SDK client does, v1 and v2), and a misfit would reach the caller as a protocol exception instead of a
 *   readable error. The full zod schema is still applied to every result before it is sent (call.ts).
 * - `format: uuid` is left out: the `*_id` names and the ids in every result say it.
 * docs/mcp.md gives the byte budget of each tool profile; test/mcp/listing-budget.test.ts holds it.
 */
import type { Tool as ListedTool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { PRIORITY_ALIASES, STATUS_ALIASES } from '../contract/task.js';
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

/** Accepted input spellings that are not the canonical value: not advertised, to keep the list short. */
const ALIASES = new Set<unknown>([...Object.keys(STATUS_ALIASES), ...Object.keys(PRIORITY_ALIASES)]);

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
    if (key === 'format' && value === 'uuid') continue;
    if (key === 'enum' && Array.isArray(value)) {
      out.enum = value.filter((v) => !ALIASES.has(v));
      continue;
    }
    const leaned =
      key === 'properties' || key === 'definitions'
        ? Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, lean(v, definitions)]))
        : lean(value, definitions);
    // `additionalProperties: {}` (any value) is what an object allows anyway.
    if (key === 'additionalProperties' && isSchema(leaned) && Object.keys(leaned).length === 0) continue;
    out[key] = leaned;
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
  const $defs: JsonSchema = {};
  for (const [name, def] of kept) {
    if (!foldRecursiveList(result, `#/definitions/${name}`, def as JsonSchema, $defs)) $defs[name] = def;
  }
  return Object.keys($defs).length > 0 ? { ...result, $defs } : result;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every object schema in the tree with where it sits, parents before children. */
function* objectNodes(node: unknown, name: string): Generator<[JsonSchema, string]> {
  if (Array.isArray(node)) for (const item of node) yield* objectNodes(item, name);
  if (!isSchema(node)) return;
  if (isSchema(node.properties)) yield [node, name];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && isSchema(value))
      for (const [prop, child] of Object.entries(value)) yield* objectNodes(child, prop);
    else if (key === 'anyOf' || key === 'items') yield* objectNodes(value, name);
  }
}

/**
 * zod states a recursive list twice: the outer object inline, and the list of its copies as a definition
 * (`subtasks: {$ref}` → array of the same object without the outer-only fields). When an inline object
 * holds every field of the list's item, that object becomes the one definition (`$defs.<param>`) and the
 * list refers to it. The outer-only fields (create_task's parent_id) then show at every level; the server
 * refuses them below the top by name, which is cheaper than a second copy of the schema.
 */
function foldRecursiveList(root: JsonSchema, ref: string, def: JsonSchema, $defs: JsonSchema): boolean {
  const item = def.items;
  if (def.type !== 'array' || !isSchema(item) || !isSchema(item.properties)) return false;
  const wanted = Object.entries(item.properties);
  for (const [node, name] of objectNodes(root, '')) {
    const props = node.properties as JsonSchema;
    if (!wanted.every(([key, schema]) => sameJson(props[key], schema))) continue;
    const target = `#/$defs/${name}`;
    const copy = JSON.parse(JSON.stringify(node), (_key, value: unknown) =>
      isSchema(value) && value.$ref === ref ? { type: 'array', items: { $ref: target } } : value,
    ) as JsonSchema;
    const { description } = copy;
    delete copy.description;
    $defs[name] = copy;
    for (const key of Object.keys(node)) delete node[key];
    Object.assign(node, { $ref: target }, description === undefined ? {} : { description });
    return true;
  }
  return false;
}

/** Any object: an error result fits it as well as a success (see above). */
const OUTPUT_SCHEMA: JsonSchema = { type: 'object' };

const listings = new WeakMap<Tool, ListedTool>();

export function toolListing(tool: Tool): ListedTool {
  let listed = listings.get(tool);
  if (!listed) {
    listed = {
      name: tool.name,
      description: tool.description,
      inputSchema: inputSchema(tool) as ListedTool['inputSchema'],
      outputSchema: OUTPUT_SCHEMA as ListedTool['outputSchema'],
      annotations: tool.annotations,
      ...(tool.meta ? { _meta: { ...tool.meta } } : {}),
    };
    listings.set(tool, listed);
  }
  return listed;
}
