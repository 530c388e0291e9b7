const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * JSON for a `json` parameter. PostgreSQL refuses a lone surrogate escape (`\ud800`) in JSON, while a
 * plain text parameter has it replaced by U+FFFD on the way to UTF-8 (as SQLite does): replace it here
 * too, in keys and values, so both paths store the same text and neither fails.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string') return wellFormed(v);
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [wellFormed(k), x]));
    }
    return v;
  });
}
