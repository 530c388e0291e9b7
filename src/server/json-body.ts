import { BinderyError, checkInputStructure, MAX_DOCUMENT_BYTES, MAX_PLAN_CHARS } from '../contract/index.js';

/**
 * Request bodies are parsed with JSON.parse and nothing else; a syntax error becomes a validation error
 * that the JSON-RPC route turns into -32700.
 */
export class JsonSyntaxError extends BinderyError {
  constructor(reason: string) {
    super('validation_error', `The body is not valid JSON: ${reason}`, {
      details: [{ field: '(body)', reason: `not valid JSON: ${reason}` }],
    });
  }
}

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new JsonSyntaxError((error as Error).message);
  }
}

/**
 * Long text fields. The exact limits live in the schemas and the service (100,000 characters for notes,
 * 5 MB of UTF-8 for documents, which is a 413; plans): this bound only has to let such content through to them.
 */
const LONG_STRING_FIELDS = { content: 2 * MAX_DOCUMENT_BYTES, markdown: MAX_PLAN_CHARS };

/**
 * The structure checks (docs/design.md, "Input safety") on an operation's input (body, query or JSON-RPC
 * params): size limits, dangerous keys refused with their path, control characters removed.
 */
export function checkedInput(value: unknown): unknown {
  return checkInputStructure(value, { stringLimits: LONG_STRING_FIELDS });
}
