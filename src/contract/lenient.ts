/**
 * What an agent commonly sends that means one thing only, rewritten to the canonical form before the
 * strict schema sees it — on every surface, because every input passes `parseInput`:
 * - a calendar date `2026-12-10` for a date-time field: the END of that day in UTC
 *   (`2026-12-10T23:59:59.999Z`), so a task due on the 10th is not overdue during the 10th;
 * - an enum value in any case (`High` → `high`, `In_Progress` → `in_progress`, then the alias rule);
 * - `null` for an optional text field that has no null value: the field is left out;
 * - an item given as a string where a list holds objects whose one required field is `title`
 *   (`subtasks: ["one", "two"]`): `{title: "one"}`;
 * - `"true"` or `"false"` for a boolean field (a query string has no other way to say it).
 * Nothing else changes: unknown keys, wrong types and ambiguous values still reach the schema and are
 * refused there. The rules walk the zod schema itself, so the advertised JSON Schema does not grow.
 */
import type { z } from 'zod';

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string>;
  format?: string;
};

const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;

/** The schema under optional/nullable/default/pipe wrappers, and whether null is a value it accepts. */
function unwrap(schema: z.ZodType): { core: z.ZodType; nullable: boolean; optional: boolean } {
  let core = schema;
  let nullable = false;
  let optional = false;
  for (;;) {
    const def = defOf(core);
    if (def.type === 'optional' || def.type === 'default') optional = true;
    else if (def.type === 'nullable') nullable = true;
    else if (def.type !== 'pipe' && def.type !== 'readonly') return { core, nullable, optional };
    const next = def.type === 'pipe' ? def.in : def.innerType;
    if (!next) return { core, nullable, optional };
    core = next;
  }
}

export function endOfDay(value: string): string | undefined {
  const match = CALENDAR_DATE.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day, 23, 59, 59, 999));
  // 2026-02-30 rolls over to March: not a calendar date, so the schema refuses it as given.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.toISOString();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An object schema whose only required field is `title`: a bare string can stand for it. */
function takesTitleAlone(shape: Record<string, z.ZodType> | undefined): boolean {
  if (!shape || !('title' in shape)) return false;
  return Object.entries(shape).every(([key, field]) => key === 'title' || unwrap(field).optional);
}

/** `value` with the unambiguous agent shapes of `schema` made canonical; anything else as given. */
export function relaxInput(schema: z.ZodType, value: unknown): unknown {
  const { core } = unwrap(schema);
  const def = defOf(core);
  if (typeof value === 'string') {
    if (def.type === 'enum' && def.entries && !Object.hasOwn(def.entries, value)) {
      const lower = value.toLowerCase();
      return Object.hasOwn(def.entries, lower) ? lower : value;
    }
    if (def.type === 'string' && def.format === 'datetime') return endOfDay(value) ?? value;
    if (def.type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
    if (def.type === 'object' && takesTitleAlone(def.shape)) return { title: value };
    return value;
  }
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    const element = def.element;
    return value.map((item) => relaxInput(element, item));
  }
  if (def.type === 'object' && def.shape && isPlainObject(value)) return relaxObject(def.shape, value);
  return value;
}

function relaxObject(shape: Record<string, z.ZodType>, value: Record<string, unknown>) {
  // A null-prototype copy: a key such as "__proto__" stays a plain key for the schema to refuse.
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) {
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    const item = value[key];
    if (!field) {
      out[key] = item;
      continue;
    }
    const { core, nullable, optional } = unwrap(field);
    if (item === null && optional && !nullable && defOf(core).type === 'string') continue;
    out[key] = relaxInput(field, item);
  }
  return out;
}
