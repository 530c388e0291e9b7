import type { FastifyRequest } from 'fastify';
import { Actor, ANONYMOUS_ACTOR, BinderyError } from '../contract/index.js';
import type { Caller } from '../store/actor.js';

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

/**
 * Who a request acts as. With a named token the token's name is the actor, whatever the request declares:
 * the declared `X-Bindery-Actor` is kept beside it as `client`, never in its place. Otherwise the declared
 * actor (else `anonymous`), as before tokens had names.
 */
export function requestCaller(request: FastifyRequest): Caller {
  const declared = requestActor(request);
  const { access } = request;
  if (!access) return { actor: declared };
  return {
    actor: access.token,
    client: request.headers[ACTOR_HEADER] === undefined ? null : declared,
    access,
  };
}
