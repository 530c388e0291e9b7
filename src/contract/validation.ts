import type { z } from 'zod';
import { BinderyError, type FieldIssue } from './errors.js';
import { relaxInput } from './lenient.js';

/** Zod issues → `{field, reason}` list: one entry per bad field, unknown keys named one by one. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        issues.push({ field: base ? `${base}.${key}` : key, reason: 'unknown field' });
    } else {
      issues.push({ field: base, reason: issue.message });
    }
  }
  return issues;
}

/** Parse (after the unambiguous agent shapes are made canonical) or throw a `validation_error` naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(relaxInput(schema, value));
  if (!result.success) throw BinderyError.validation(fieldIssues(result.error));
  return result.data;
}

/**
 * Values that passed a schema, with that schema. A layer that validated an answer marks it, so that a later
 * check against the very same schema object can trust the value instead of parsing it again: the MCP tool's
 * output check after the HTTP client decoded the backend's answer (docs/mcp.md, "Results and errors").
 * Weakly keyed: a mark lives as long as its value, and a copy or a new object carries none.
 */
const passed = new WeakMap<object, z.ZodType>();

export function markValidated<T>(value: T, schema: z.ZodType): T {
  if (typeof value === 'object' && value !== null) passed.set(value, schema);
  return value;
}

export function validatedAgainst(value: unknown, schema: z.ZodType): boolean {
  return typeof value === 'object' && value !== null && passed.get(value) === schema;
}
