import type { FastifyRequest } from 'fastify';
import { Actor, ANONYMOUS_ACTOR, BinderyError } from '../contract/index.js';

export const ACTOR_HEADER = 'x-bindery-actor';

/** The request's `X-Bindery-Actor` (refused with a validation error when malformed), else `anonymous`. */
export function requestActor(request: FastifyRequest): string {
  const header = request.headers[ACTOR_HEADER];
  if (header === undefined) return ANONYMOUS_ACTOR;
  const parsed = Actor.safeParse(Array.isArray(header) ? header.join(',') : header);
  if (!parsed.success) {
    throw BinderyError.validation([
      { field: 'X-Bindery-Actor', reason: parsed.error.issues[0]?.message ?? 'is not a valid actor' },
    ]);
  }
  return parsed.data;
}
