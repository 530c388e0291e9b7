import fastJsonStringify from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/** The only keywords fast-json-stringify needs to know a value's shape; the rest is validation. */
const SHAPE_KEYWORDS = new Set([
  'type',
  'properties',
  'items',
  'additionalProperties',
  '$ref',
  'definitions',
]);

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The shape of a JSON Schema as fast-json-stringify reads it. Validation keywords go: the service's answer
 * is the contract's by construction, and `required` would turn a missing field into a 500 rather than an
 * answer without it. `X | null` becomes `type: [X, "null"]`; any other union becomes "any JSON value"
 * (JSON.stringify), because fast-json-stringify picks a union's branch by validating the value against
 * each one, which costs more than it saves.
 */
function shape(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(shape);
  if (!isSchema(node)) return node;
  const union = node.anyOf ?? node.oneOf;
  if (Array.isArray(union)) {
    const others = union.filter((member) => !(isSchema(member) && member.type === 'null'));
    const only = others.length === 1 && union.length === 2 ? (shape(others[0]) as JsonSchema) : undefined;
    return typeof only?.type === 'string' ? { ...only, type: [only.type, 'null'] } : {};
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (!SHAPE_KEYWORDS.has(key)) continue;
    out[key] =
      key === 'properties' || key === 'definitions'
        ? Object.fromEntries(Object.entries(value as JsonSchema).map(([name, child]) => [name, shape(child)]))
        : shape(value);
  }
  return out;
}

/** The shape of a zod output schema; z.json() (labels) is any JSON value, without its recursive definition. */
export function responseShape(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: 'draft-07',
    io: 'output',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema._zod.def.type === 'lazy')
        for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
    },
  });
  return shape(json) as JsonSchema;
}

/**
 * Imported, not required lazily: Fastify loads fast-json-stringify when it is created anyway, and an import
 * lets the CLI bundle (scripts/bundle-cli.mjs) share Fastify's copy instead of loading a second one.
 */
const fastJson = (schema: JsonSchema): ((value: unknown) => string) => fastJsonStringify(schema);

const serializers = new WeakMap<z.ZodType, (value: unknown) => string>();

/**
 * Fastify's serializer compiler for routes whose response schemas are the contract's zod output schemas.
 * Each is turned into a fast-json-stringify function on its first answer, not at start-up: deriving and
 * compiling every operation's schema would add ~150 ms to every server start (and so to `bindery mcp`'s
 * cold start), for routes most runs never call.
 */
export const zodSerializerCompiler: FastifySerializerCompiler<unknown> = (route) => {
  const schema = route.schema as z.ZodType;
  let serialize = serializers.get(schema);
  return (value) => {
    if (!serialize) {
      serialize = serializers.get(schema) ?? fastJson(responseShape(schema));
      serializers.set(schema, serialize);
    }
    return serialize(value);
  };
};
