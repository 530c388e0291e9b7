import pg from 'pg';
import { BinderyError } from '../../contract/index.js';

/** The SQLSTATE of an error the server sent; undefined for socket and client errors. */
export function sqlState(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError ? error.code : undefined;
}

function constraint(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError ? error.constraint : undefined;
}

/**
 * PostgreSQL failures that reach the store despite the service's checks are races with another writer
 * (possibly on another server): report them with the same codes the SQLite store uses.
 */
export function translate(error: unknown): unknown {
  if (error instanceof BinderyError) return error;
  const code = sqlState(error);
  if (code === '23503') {
    return BinderyError.conflict(
      'A referenced task or project was deleted meanwhile; read it again and retry.',
    );
  }
  if (code === '23505' && constraint(error) === 'projects_name_key') {
    return BinderyError.conflict('A project with this name was created meanwhile.', [
      { field: 'name', reason: 'must be unique' },
    ]);
  }
  if (code === '23505' && constraint(error) === 'executions_one_running') {
    return BinderyError.conflict('The task got a running execution meanwhile; pass force to cancel it.');
  }
  if (code === '23505') {
    return BinderyError.conflict('The same entity was written meanwhile; read it again and retry.');
  }
  if (code === '40001' || code === '40P01') {
    return BinderyError.conflict('Concurrent changes to the same data kept colliding; retry.');
  }
  if (code === '57014' || code === '55P03') {
    return new BinderyError('timeout_error', 'The database did not finish the statement in time; retry.', {
      cause: error,
    });
  }
  if (code?.startsWith('08') || code === '57P01' || code === '57P03' || isSocketError(error)) {
    return new BinderyError('connection_error', 'The connection to PostgreSQL was lost; retry.', {
      cause: error,
      httpStatus: 503,
      retryAfterS: 1,
    });
  }
  return error;
}

function isSocketError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    (error instanceof Error && /Connection terminated/.test(error.message))
  );
}
