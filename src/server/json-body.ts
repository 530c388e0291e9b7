import { BinderyError } from '../contract/index.js';

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
