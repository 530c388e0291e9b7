/**
 * A view of `target` whose methods run through `around(method, call)`. Metrics time and tracing spans every
 * store and API call this way, without either class knowing. A Proxy rather than a decorator because the
 * store is one of two dialect classes and the API is built from the operation table.
 */
export function aroundMethods<T extends object>(
  target: T,
  around: (method: string, call: () => unknown) => unknown,
): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => around(property, () => value.apply(object, args));
    },
  });
}

export type Settled = { ok: true; answer: unknown } | { ok: false; error: unknown };

/** Passes `result` through, calling `settled` once it settles: at once unless it is a promise. */
export function onSettled(result: unknown, settled: (outcome: Settled) => void): unknown {
  if (!(result instanceof Promise)) {
    settled({ ok: true, answer: result });
    return result;
  }
  return result.then(
    (answer) => {
      settled({ ok: true, answer });
      return answer;
    },
    (error: unknown) => {
      settled({ ok: false, error });
      throw error;
    },
  );
}
