import type { z } from 'zod';
import { fieldIssues, markValidated } from '../contract/index.js';
import { TransportError } from './errors.js';

/**
 * JSON text → a value the schema vouches for. A server that answers HTML, cut JSON or a shape outside the
 * contract gives a clear internal_error instead of an exception deep inside a caller.
 */
export function decode<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TransportError(
      'malformed',
      'internal_error',
      `The server's answer to ${what} is not valid JSON.`,
      {
        details: { reason: (error as Error).message, length: text.length },
      },
    );
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new TransportError(
      'malformed',
      'internal_error',
      `The server's answer to ${what} does not match the contract.`,
      {
        details: fieldIssues(result.error).slice(0, 20),
      },
    );
  }
  // Marked, so the MCP tool's output check against this same schema does not parse it a second time.
  return markValidated(result.data, schema);
}
